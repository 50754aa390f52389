namespace Hotline.Ledger;

/// <summary>A Merkle proof did not verify; the message says which check failed and with what numbers.</summary>
public sealed class ProofException : Exception
{
    /// <summary>A proof failure with no detail.</summary>
    public ProofException()
        : base("the proof did not verify")
    {
    }

    /// <summary>A proof failure explained by <paramref name="message"/>.</summary>
    public ProofException(string message)
        : base(message)
    {
    }

    /// <summary>A proof failure explained by <paramref name="message"/>, caused by <paramref name="innerException"/>.</summary>
    public ProofException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
