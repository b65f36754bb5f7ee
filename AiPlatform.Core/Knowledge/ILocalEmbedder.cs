namespace AiPlatform.Core.Knowledge;

/// <summary>The built-in embedding model, running in process (Infrastructure: all-MiniLM-L6-v2 on ONNX Runtime).</summary>
public interface ILocalEmbedder : IEmbedder;
