namespace Hotline.Core;

/// <summary>
/// Where the airspace's state is kept. An implementation must make a committed batch durable before
/// <see cref="CommitAsync"/> returns (the server acknowledges writes only then), apply a batch all or nothing, and
/// return from <see cref="LoadAsync"/> exactly the state of the last committed batch.
/// </summary>
public interface IAirspaceStore : IAsyncDisposable
{
    /// <summary>Everything committed so far.</summary>
    Task<AirspaceSnapshot> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Applies the changes in order, in one durable transaction.</summary>
    Task CommitAsync(IReadOnlyList<Change> changes, CancellationToken cancellationToken);
}

/// <summary>The whole stored state.</summary>
public sealed record AirspaceSnapshot(
    IReadOnlyList<Party> Parties,
    IReadOnlyList<Credential> Credentials,
    IReadOnlyList<Reservation> Reservations,
    IReadOnlyList<Constraint> Constraints);

/// <summary>One change to the stored state.</summary>
public abstract record Change;

/// <summary>A party was created.</summary>
public sealed record PartySaved(Party Party) : Change;

/// <summary>A credential was issued.</summary>
public sealed record CredentialSaved(Credential Credential) : Change;

/// <summary>A reservation was filed or changed (including ended): the new version replaces the old.</summary>
public sealed record ReservationSaved(Reservation Reservation) : Change;

/// <summary>A constraint was created or changed.</summary>
public sealed record ConstraintSaved(Constraint Constraint) : Change;

/// <summary>A constraint was withdrawn.</summary>
public sealed record ConstraintDeleted(Guid Id) : Change;
