namespace AiPlatform.Web.Api.Oip;

/// <summary>The binary part of an infer request does not match its JSON header; 400 with a problem details body.</summary>
public sealed class BinaryTensorException(string message) : Core.Common.PlatformException("invalid-binary-tensor", message);
