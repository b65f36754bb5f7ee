namespace AiPlatform.Core.Apps;

/// <summary>The type of a node's output field or of a setting that takes a variable; checked on the canvas and at publish.</summary>
public enum AppValueType
{
    Any,
    String,
    Number,
    Boolean,
    Object,
    ArrayString,
    ArrayNumber,
    ArrayObject,
    File,
}
