namespace Hotline.Ledger;

/// <summary>Why a signed note was refused.</summary>
public enum NoteError
{
    /// <summary>The note breaks the signed-note grammar or its limits.</summary>
    Malformed,

    /// <summary>No signature from a known key verifies.</summary>
    NoVerifiableSignatures,

    /// <summary>A signature from a known key (name and key ID both match) fails to verify.</summary>
    InvalidSignature,

    /// <summary>More than one known verifier has the name and key ID of a signature line.</summary>
    AmbiguousKey,
}

/// <summary>A signed note could not be parsed or opened; <see cref="Error"/> says why.</summary>
public sealed class NoteException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NoteException(NoteError error, string message)
        : base(message)
    {
        Error = error;
    }

    /// <summary>Creates the exception with an inner cause.</summary>
    public NoteException(NoteError error, string message, Exception innerException)
        : base(message, innerException)
    {
        Error = error;
    }

    /// <summary>The kind of failure.</summary>
    public NoteError Error { get; }
}
