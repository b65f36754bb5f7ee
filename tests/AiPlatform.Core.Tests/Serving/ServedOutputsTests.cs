using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;

namespace AiPlatform.Core.Tests.Serving;

/// <summary>One rule decides what an endpoint declares, returns by default and lets a caller ask for.</summary>
public sealed class ServedOutputsTests
{
    private static readonly TensorSpec[] LegacyBuiltIn =
    [
        new("f1.output", "FP32", [-1, 1]), new("color.output", "FP32", [-1, 3]), new("mlnet.color.unusedOutput", "INT64", [1, 1]),
        new("Features.output", "FP32", [-1, 4]), new("PredictedLabel.output", "BOOL", [-1, 1]), new("Score.output", "FP32", [-1, 1]), new("Probability.output", "FP32", [-1, 1]),
    ];

    [Fact]
    public void A_model_the_built_in_trainers_exported_before_pruning_serves_only_its_prediction()
    {
        ServedOutputs.Of(LegacyBuiltIn, builtInTrained: true).Select(o => o.Name).ShouldBe(["PredictedLabel.output", "Score.output", "Probability.output"]);
    }

    [Fact]
    public void An_uploaded_file_keeps_all_its_tensor_outputs_but_never_placeholders_or_non_tensors()
    {
        TensorSpec[] outputs = [.. LegacyBuiltIn, new("probabilities", "ONNXTYPESEQUENCE", [])];
        ServedOutputs.Of(outputs, builtInTrained: false).Select(o => o.Name)
            .ShouldBe(["f1.output", "color.output", "Features.output", "PredictedLabel.output", "Score.output", "Probability.output"]);
    }

    [Fact]
    public void A_built_in_model_without_the_prediction_names_keeps_its_outputs()
    {
        ServedOutputs.Of([new TensorSpec("y", "FP32", [-1, 1])], builtInTrained: true).Select(o => o.Name).ShouldBe(["y"]);
    }
}
