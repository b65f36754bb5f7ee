using AiPlatform.Core.Serving;

namespace AiPlatform.Web.Api.Oip;

/// <summary>An infer request as the protocol reads it: the tensors, and which outputs go back as binary data.</summary>
/// <param name="BinaryByDefault">The request's <c>parameters.binary_data_output</c>.</param>
/// <param name="BinaryByOutput">Each requested output's <c>parameters.binary_data</c>, which overrides the default.</param>
public sealed record OipInferRequest(InferenceRequest Request, bool BinaryByDefault, IReadOnlyDictionary<string, bool>? BinaryByOutput)
{
    public bool IsBinary(string output) => BinaryByOutput is not null && BinaryByOutput.TryGetValue(output, out var binary) ? binary : BinaryByDefault;

    /// <summary>Whether the answer has a binary part (else it is plain JSON, as before the extension).</summary>
    public bool AnyBinary(IReadOnlyList<InferTensor> outputs) => (BinaryByDefault || BinaryByOutput is not null) && outputs.Any(o => IsBinary(o.Name));
}
