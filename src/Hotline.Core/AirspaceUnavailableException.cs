namespace Hotline.Core;

/// <summary>The airspace cannot take writes now: it is closing, or its store failed.</summary>
public sealed class AirspaceUnavailableException(string message, Exception? innerException) : Exception(message, innerException);
