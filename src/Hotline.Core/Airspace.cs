using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Hotline.Geo;
using Hotline.Ledger;

namespace Hotline.Core;

/// <summary>
/// The shared airspace of one deployment: parties, reservations and constraints, the conflict index, and the
/// filing rule. Every write goes through one writer that decides a whole batch against the committed state plus
/// what the batch itself has staged, commits the batch to the store in one durable transaction (group commit), and
/// only then publishes it to the state that reads see and acknowledges it. So a read never sees a write that is not
/// durable, and since decisions run one after another on the writer, two filings can never both be accepted in
/// conflict without acknowledging each other. Reads run concurrently with the writer.
/// <para>Every write is a request signed by the caller with a key registered to it (<see cref="Attestation"/>):
/// the signature is checked before anything is decided, and every accepted write appends one entry to the
/// transparency log in the same transaction as the state change, so an acknowledged write is durably in the log.</para>
/// </summary>
public sealed partial class Airspace : IAsyncDisposable
{
    private const int ExtentBits = 8;

    private readonly IAirspaceStore _store;
    private readonly AirspaceOptions _options;
    private readonly TimeProvider _time;
    private readonly Channel<Work> _queue = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly CancellationTokenSource _stopping = new();
    private State _state = new();
    private readonly Staged _staged = new();
    private readonly MerkleTree _log = new();

    // The writer's memory of every nonce it was shown within the replay window, whatever the outcome.
    private readonly Dictionary<Guid, DateTimeOffset> _received = [];
    private readonly Queue<(Guid Nonce, DateTimeOffset At)> _receivedOrder = new();
    private Task _writer = Task.CompletedTask;

    private Airspace(IAirspaceStore store, AirspaceOptions options, TimeProvider time)
    {
        _store = store;
        _options = options;
        _time = time;
    }

    /// <summary>The deployment's rules.</summary>
    public AirspaceOptions Options => _options;

    /// <summary>The transparency log's Merkle tree: every committed entry, readable concurrently with the writer.</summary>
    public MerkleTree Log => _log;

    /// <summary>Set when the store failed so that writes can no longer be taken (the host is then not ready).</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Loads the stored state, rebuilds the conflict index and starts the writer.</summary>
    public static async Task<Airspace> OpenAsync(IAirspaceStore store, AirspaceOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        if (options.MaxExtents is < 1 or > 1 << ExtentBits)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxExtents must be in [1, 256]");
        }

        var airspace = new Airspace(store, options, time);
        var snapshot = await store.LoadAsync(airspace.NonceWindowStart, cancellationToken).ConfigureAwait(false);
        airspace._state = State.From(snapshot);
        airspace.CatchUpLog(snapshot);
        airspace._writer = Task.Run(airspace.WriteLoopAsync, CancellationToken.None);
        return airspace;
    }

    /// <summary>Creates an operator credential if there is none yet, or when <paramref name="always"/> (the host
    /// lost the file that held it), and returns its secret; else null.</summary>
    public async Task<string?> EnsureOperatorCredentialAsync(bool always, CancellationToken cancellationToken)
    {
        var outcome = await SubmitAsync<string?>(changes =>
        {
            if (!always && (_state.Credentials.Values.Any(c => c.Role == Role.Operator) || _staged.Layer.Credentials.Values.Any(c => c.Role == Role.Operator)))
            {
                return Outcome<string?>.Ok(null);
            }

            var (secret, credential) = NewCredential(Role.Operator, null);
            Apply(changes, new CredentialSaved(credential));
            return Outcome<string?>.Ok(secret);
        }, cancellationToken).ConfigureAwait(false);
        return outcome.Value;
    }

    /// <summary>The caller a bearer secret stands for, or null.</summary>
    public Principal? Authenticate(string secret)
    {
        if (string.IsNullOrEmpty(secret))
        {
            return null;
        }

        var hash = Hash(secret);
        _lock.EnterReadLock();
        try
        {
            return _state.Credentials.TryGetValue(hash, out var c) ? new Principal(c.Role, c.PartyId) : null;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Registers the operator's signing key, self-signed, unless it is registered already: the first entry of a new
    /// log, or a new key when the host lost the file that held the previous one.
    /// </summary>
    public async Task<LogReceipt?> EnsureOperatorKeyAsync(PartySigningKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var body = System.Text.Encoding.UTF8.GetBytes($"{{\"publicKey\":\"{key.PublicKey.ToBase64()}\"}}");
        var request = SignedRequest.Create(key, "PUT", "/v1/operator/key", _time.GetUtcNow(), Guid.NewGuid(), body);
        var outcome = await SubmitAsync<LogReceipt?>(changes =>
        {
            var registered = _state.Keys.ContainsKey(key.PublicKey.KeyId) || _staged.Layer.Keys.ContainsKey(key.PublicKey.KeyId);
            var any = _state.Keys.Values.Concat(_staged.Layer.Keys.Values).Count(k => k.PartyId == LogEntry.OperatorParty);
            if (registered)
            {
                return Outcome<LogReceipt?>.Ok(null);
            }

            Apply(changes, new PartyKeySaved(new PartyKey(LogEntry.OperatorParty, key.PublicKey, _time.GetUtcNow())));
            var receipt = Record(changes, LogEntry.OperatorParty, EntryKinds.OperatorKey, "operator", any + 1, new Attestation(request, body), key.PublicKey);
            return Outcome<LogReceipt?>.Ok(receipt);
        }, cancellationToken).ConfigureAwait(false);
        return outcome.Value;
    }

    /// <summary>The keys registered to a party (<see cref="LogEntry.OperatorParty"/> for the operator).</summary>
    public IReadOnlyList<PartyKey> Keys(int partyId) =>
        Read(s => s.Keys.Values.Where(k => k.PartyId == partyId).OrderBy(k => k.AddedAt).ToList());

    /// <summary>
    /// Registers a public key to the calling party. A party's first key is registered by a request signed with that
    /// very key (proof that the caller holds it); once a party holds a key, another is added only by a request signed
    /// with one it holds, so a bearer credential alone (which the operator can issue) cannot add keys.
    /// </summary>
    public Task<Outcome<PartyKey>> AddPartyKeyAsync(Principal caller, PartyPublicKey key, Attestation attestation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(key);
        if (caller.Role != Role.Party)
        {
            return Task.FromResult(Outcome<PartyKey>.Forbidden("only parties register keys; the operator's key is the server's"));
        }

        var party = caller.PartyId!.Value;
        var holdsKeys = Read(s => s.Keys.Values.Any(k => k.PartyId == party));
        if (Verify<PartyKey>(caller, attestation, selfSigned: holdsKeys ? null : key) is { } bad)
        {
            return Task.FromResult(bad);
        }

        return SubmitAsync(changes =>
        {
            if (Replayed<PartyKey>(attestation) is { } replay)
            {
                return replay;
            }

            if (_state.Keys.ContainsKey(key.KeyId) || _staged.Layer.Keys.ContainsKey(key.KeyId))
            {
                return new(OutcomeKind.Duplicate, Field: "publicKey", Detail: $"key {key.KeyId} is already registered");
            }

            // Decided again on the writer: a first key registered meanwhile makes this one a second key.
            if (!holdsKeys && _state.Keys.Values.Concat(_staged.Layer.Keys.Values).Any(k => k.PartyId == party))
            {
                return Outcome<PartyKey>.BadSignature("the party holds a key now: sign with it to add another");
            }

            var registered = new PartyKey(party, key, _time.GetUtcNow());
            Apply(changes, new PartyKeySaved(registered));
            var count = _state.Keys.Values.Concat(_staged.Layer.Keys.Values).Count(k => k.PartyId == party);
            return Outcome<PartyKey>.Ok(registered, Record(changes, party, EntryKinds.PartyKeyAdded, Subject(party), count, attestation, key));
        }, cancellationToken);
    }

    /// <summary>Creates a party (operator only), with its first public key when given, and returns it with the
    /// secret of its first credential.</summary>
    public Task<Outcome<(Party Party, string Secret)>> CreatePartyAsync(Principal caller, string name, PartyPublicKey? key, Attestation attestation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.Role != Role.Operator)
        {
            return Task.FromResult(Outcome<(Party, string)>.Forbidden("only the operator creates parties"));
        }

        if (Verify<(Party, string)>(caller, attestation) is { } bad)
        {
            return Task.FromResult(bad);
        }

        name = (name ?? "").Trim();
        if (name.Length == 0 || name.Length > 100 || name.Any(char.IsControl))
        {
            return Task.FromResult(Outcome<(Party, string)>.Invalid("name", "must be 1 to 100 printable characters"));
        }

        return SubmitAsync<(Party, string)>(changes =>
        {
            if (Replayed<(Party, string)>(attestation) is { } replay)
            {
                return replay;
            }

            if (_state.Parties.Values.Concat(_staged.Layer.Parties.Values).Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                return new(OutcomeKind.Duplicate, Field: "name", Detail: $"a party named '{name}' already exists");
            }

            if (key is not null && (_state.Keys.ContainsKey(key.KeyId) || _staged.Layer.Keys.ContainsKey(key.KeyId)))
            {
                return new(OutcomeKind.Duplicate, Field: "publicKey", Detail: $"key {key.KeyId} is already registered");
            }

            var party = new Party(Math.Max(_state.NextPartyId, _staged.Layer.NextPartyId), name, _time.GetUtcNow());
            var (secret, credential) = NewCredential(Role.Party, party.Id);
            Apply(changes, new PartySaved(party));
            Apply(changes, new CredentialSaved(credential));
            if (key is not null)
            {
                Apply(changes, new PartyKeySaved(new PartyKey(party.Id, key, _time.GetUtcNow())));
            }

            return Outcome<(Party, string)>.Ok((party, secret), Record(changes, LogEntry.OperatorParty, EntryKinds.PartyCreated, Subject(party.Id), 1, attestation, key));
        }, cancellationToken);
    }

    /// <summary>Issues another credential to a party (operator only), e.g. for a second representative. Credentials
    /// cannot be revoked yet, so rotation is not possible.</summary>
    public Task<Outcome<string>> IssueCredentialAsync(Principal caller, int partyId, Attestation attestation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.Role != Role.Operator)
        {
            return Task.FromResult(Outcome<string>.Forbidden("only the operator issues credentials"));
        }

        if (Verify<string>(caller, attestation) is { } bad)
        {
            return Task.FromResult(bad);
        }

        return SubmitAsync(changes =>
        {
            if (Replayed<string>(attestation) is { } replay)
            {
                return replay;
            }

            if (!_state.Parties.ContainsKey(partyId) && !_staged.Layer.Parties.ContainsKey(partyId))
            {
                return Outcome<string>.NotFound($"no party {partyId}");
            }

            var (secret, credential) = NewCredential(Role.Party, partyId);
            Apply(changes, new CredentialSaved(credential));
            var issued = _state.Credentials.Values.Concat(_staged.Layer.Credentials.Values).Count(c => c.PartyId == partyId);
            return Outcome<string>.Ok(secret, Record(changes, LogEntry.OperatorParty, EntryKinds.CredentialIssued, Subject(partyId), issued, attestation));
        }, cancellationToken);
    }

    /// <summary>Every party.</summary>
    public IReadOnlyList<Party> Parties() => Read(s => s.Parties.Values.OrderBy(p => p.Id).ToList());

    /// <summary>
    /// Files a reservation. Refused, listing every conflict, unless <paramref name="acknowledged"/> holds each
    /// conflicting reservation or constraint at its current version.
    /// </summary>
    public Task<Outcome<Reservation>> FileReservationAsync(
        Principal caller, IReadOnlyList<Volume4D> extents, ReservationState state, string? callSign, string? notes,
        IReadOnlySet<EntityVersion> acknowledged, Attestation attestation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(acknowledged);
        if ((Check(caller, extents, callSign, notes) ?? Verify<Reservation>(caller, attestation)) is { } invalid)
        {
            return Task.FromResult(invalid);
        }

        if (state is not (ReservationState.Accepted or ReservationState.Activated))
        {
            return Task.FromResult(Outcome<Reservation>.Invalid("state", "a new reservation is Accepted or Activated"));
        }

        var owner = caller.PartyId!.Value;
        return SubmitAsync(changes =>
        {
            if (Replayed<Reservation>(attestation) is { } replay)
            {
                return replay;
            }

            var conflicts = FindConflicts(owner, extents, null);
            if (conflicts.Any(c => !acknowledged.Contains(new EntityVersion(c.OtherId, c.OtherVersion))))
            {
                AirspaceMetrics.Filing("refused");
                ConflictEvents(changes, conflicts, refused: true);
                return new Outcome<Reservation>(OutcomeKind.Conflicts, Conflicts: conflicts);
            }

            AirspaceMetrics.Filing(conflicts.Count == 0 ? "accepted" : "accepted_acknowledged");
            var reservation = new Reservation(Guid.CreateVersion7(_time.GetUtcNow()), owner, extents, state, 1, callSign, notes, _time.GetUtcNow());
            (reservation, _) = SaveReservation(changes, reservation, null);
            ConflictEvents(changes, [.. conflicts.Select(c => c with { ReservationId = reservation.Id })], refused: false);
            return Outcome<Reservation>.Ok(reservation, Record(changes, owner, EntryKinds.ReservationFiled, reservation.Id.ToString(), 1, attestation));
        }, cancellationToken);
    }

    /// <summary>
    /// Changes a reservation (its owner only) at <paramref name="expectedVersion"/>: new extents, state, private
    /// fields. Moving to Accepted or Activated follows the filing rule; Nonconforming and Contingent do not (the
    /// aircraft is already off its plan, refusing the report would only hide it).
    /// </summary>
    public Task<Outcome<Reservation>> AmendReservationAsync(
        Principal caller, Guid id, long expectedVersion, IReadOnlyList<Volume4D> extents, ReservationState state,
        string? callSign, string? notes, IReadOnlySet<EntityVersion> acknowledged, Attestation attestation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(acknowledged);
        if ((Check(caller, extents, callSign, notes) ?? Verify<Reservation>(caller, attestation)) is { } invalid)
        {
            return Task.FromResult(invalid);
        }

        return SubmitAsync(changes =>
        {
            if ((Replayed<Reservation>(attestation) ?? Owned(caller, id, expectedVersion)) is { } refused)
            {
                return refused;
            }

            var current = CurrentReservation(id)!.Reservation!;
            if (!CanMove(current.State, state))
            {
                return Outcome<Reservation>.Invalid("state", $"a reservation cannot go from {current.State} to {state}");
            }

            if (state is ReservationState.Accepted or ReservationState.Activated)
            {
                var conflicts = FindConflicts(current.Owner, extents, id, id);
                if (conflicts.Any(c => !acknowledged.Contains(new EntityVersion(c.OtherId, c.OtherVersion))))
                {
                    ConflictEvents(changes, conflicts, refused: true);
                    return new Outcome<Reservation>(OutcomeKind.Conflicts, Conflicts: conflicts);
                }

                ConflictEvents(changes, conflicts, refused: false);
            }

            var amended = current with { Extents = extents, State = state, Version = current.Version + 1, CallSign = callSign, Notes = notes, UpdatedAt = _time.GetUtcNow() };
            (amended, _) = SaveReservation(changes, amended, current);
            return Outcome<Reservation>.Ok(amended, Record(changes, amended.Owner, EntryKinds.ReservationAmended, id.ToString(), amended.Version, attestation));
        }, cancellationToken);
    }

    /// <summary>Ends a reservation (its owner only): it leaves the airspace and can no longer change.</summary>
    public Task<Outcome<Reservation>> EndReservationAsync(Principal caller, Guid id, long expectedVersion, Attestation attestation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (Verify<Reservation>(caller, attestation) is { } bad)
        {
            return Task.FromResult(bad);
        }

        return SubmitAsync(changes =>
        {
            if ((Replayed<Reservation>(attestation) ?? Owned(caller, id, expectedVersion)) is { } refused)
            {
                return refused;
            }

            var current = CurrentReservation(id)!.Reservation!;
            if (current.State == ReservationState.Ended)
            {
                return Outcome<Reservation>.Invalid("state", "the reservation has already ended");
            }

            var ended = current with { State = ReservationState.Ended, Version = current.Version + 1, UpdatedAt = _time.GetUtcNow() };
            (ended, _) = SaveReservation(changes, ended, current);
            if (current.SubscriptionId is { } subscription)
            {
                DropImplicitIfUnused(changes, subscription);
            }

            return Outcome<Reservation>.Ok(ended, Record(changes, ended.Owner, EntryKinds.ReservationEnded, id.ToString(), ended.Version, attestation));
        }, cancellationToken);
    }

    /// <summary>A reservation by id (any party may read it; the caller decides what to disclose).</summary>
    public Reservation? GetReservation(Guid id) => Read(s => s.Reservations.TryGetValue(id, out var e) ? e.Reservation : null);

    /// <summary>How many reservations are not ended (without listing or sorting them).</summary>
    public int LiveReservationCount => Read(s => s.Reservations.Values.Count(e => e.Reservation!.State != ReservationState.Ended));

    /// <summary>The reservations of <paramref name="owner"/> (all parties when null), ended ones only when asked.</summary>
    public IReadOnlyList<Reservation> ListReservations(int? owner, bool includeEnded) => Read(s => s.Reservations.Values
        .Select(e => e.Reservation!)
        .Where(r => (owner is null || r.Owner == owner) && (includeEnded || r.State != ReservationState.Ended))
        .OrderBy(r => r.Id)
        .ToList());

    /// <summary>Closes an area for a time. Constraints are imposed, not negotiated: no acknowledgement needed.</summary>
    public Task<Outcome<Constraint>> CreateConstraintAsync(Principal caller, IReadOnlyList<Volume4D> extents, Attestation attestation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if ((Check(caller, extents, null, null) ?? Verify<Reservation>(caller, attestation)) is { } invalid)
        {
            return Task.FromResult(new Outcome<Constraint>(invalid.Kind, Field: invalid.Field, Detail: invalid.Detail));
        }

        return SubmitAsync(changes =>
        {
            if (Replayed<Constraint>(attestation) is { } replay)
            {
                return replay;
            }

            var constraint = new Constraint(Guid.CreateVersion7(_time.GetUtcNow()), caller.PartyId!.Value, extents, 1, _time.GetUtcNow());
            (constraint, _) = SaveConstraint(changes, constraint, null);
            return Outcome<Constraint>.Ok(constraint, Record(changes, constraint.Owner, EntryKinds.ConstraintCreated, constraint.Id.ToString(), 1, attestation));
        }, cancellationToken);
    }

    /// <summary>Withdraws a constraint (its owner only).</summary>
    public Task<Outcome<Constraint>> DeleteConstraintAsync(Principal caller, Guid id, Attestation attestation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (Verify<Constraint>(caller, attestation) is { } bad)
        {
            return Task.FromResult(bad);
        }

        return SubmitAsync(changes =>
        {
            if (Replayed<Constraint>(attestation) is { } replay)
            {
                return replay;
            }

            if (CurrentConstraint(id) is not { } entity)
            {
                return Outcome<Constraint>.NotFound($"no constraint {id}");
            }

            if (caller.PartyId != entity.Constraint!.Owner)
            {
                return Outcome<Constraint>.Forbidden("only the owner withdraws a constraint");
            }

            DeleteConstraint(changes, entity.Constraint);
            return Outcome<Constraint>.Ok(entity.Constraint, Record(changes, entity.Owner, EntryKinds.ConstraintWithdrawn, id.ToString(), entity.Version, attestation));
        }, cancellationToken);
    }

    /// <summary>A constraint by id.</summary>
    public Constraint? GetConstraint(Guid id) => Read(s => s.Constraints.TryGetValue(id, out var e) ? e.Constraint : null);

    /// <summary>Every constraint.</summary>
    public IReadOnlyList<Constraint> ListConstraints() => Read(s => s.Constraints.Values.Select(e => e.Constraint!).OrderBy(c => c.Id).ToList());

    /// <summary>The reservations (not ended) and constraints with an extent in the area of interest, in the order they
    /// were first stored.</summary>
    public (IReadOnlyList<Reservation> Reservations, IReadOnlyList<Constraint> Constraints) Query(Volume4D area)
    {
        ArgumentNullException.ThrowIfNull(area);
        return Read(s =>
        {
            var hits = new List<long>();
            s.Index.Query(area, Separation.None, null, hits);
            // An entity's extents share its sequence number, so once sorted its hits are adjacent. Every lookup is
            // made before any entity is read, so that the cache misses of different hits overlap.
            var sorted = CollectionsMarshal.AsSpan(hits);
            sorted.Sort();
            var entities = new Entity[sorted.Length];
            var count = 0;
            var previous = -1;
            foreach (var hit in sorted)
            {
                var seq = (int)(hit >> ExtentBits);
                if (seq != previous && s.BySeq.TryGetValue(seq, out var e))
                {
                    entities[count++] = e;
                }

                previous = seq;
            }

            var reservations = new List<Reservation>(count);
            var constraints = new List<Constraint>();
            foreach (var e in entities.AsSpan(0, count))
            {
                if (e.Reservation is { } r)
                {
                    reservations.Add(r);
                }
                else if (e.Constraint is { } c)
                {
                    constraints.Add(c);
                }
            }

            return ((IReadOnlyList<Reservation>)reservations, (IReadOnlyList<Constraint>)constraints);
        });
    }

    /// <summary>The open conflicts of a party's reservations with other parties' reservations and constraints.</summary>
    public IReadOnlyList<Conflict> OpenConflicts(int party)
    {
        return Read(s => s.Reservations.Values
            .Select(e => e.Reservation!)
            .Where(r => r.Owner == party && r.State != ReservationState.Ended)
            .OrderBy(r => r.Id)
            .SelectMany(r => FindConflicts(s, null, party, r.Extents, r.Id, r.Id))
            .ToList());
    }

    /// <summary>Stops the writer after the queued writes and closes the store (the airspace owns it).</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        await _store.DisposeAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _state.Dispose();
        _staged.Layer.Dispose();
        _lock.Dispose();
    }

    /// <summary>Log entries [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) that are
    /// committed and in the tree, in order.</summary>
    public async Task<IReadOnlyList<byte[]>> ReadLogEntriesAsync(long start, int count, CancellationToken cancellationToken)
    {
        var size = _log.Size;
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        count = (int)Math.Min(count, Math.Max(0, size - start));
        return count == 0 ? [] : await _store.ReadLogEntriesAsync(start, count, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The exact request body recorded at <paramref name="index"/> (for its sender, or the operator, in a
    /// dispute), or null when there is no such entry.</summary>
    public Task<byte[]?> ReadRequestBodyAsync(long index, CancellationToken cancellationToken) =>
        index < 0 || index >= _log.Size ? Task.FromResult<byte[]?>(null) : _store.ReadRequestBodyAsync(index, cancellationToken);

    // ---- signatures and the log ----------------------------------------------------------------------------

    // A request is accepted only within the skew of its signing time, so a replay can come at most twice the skew
    // after the original was recorded; a minute more covers the signing time's whole-second resolution.
    private DateTimeOffset NonceWindowStart => _time.GetUtcNow() - (2 * _options.MaxClockSkew) - TimeSpan.FromMinutes(1);

    /// <summary>Checks that the request was signed recently by a key registered to the caller (or, for a key
    /// registration, by the key being registered). Runs on the caller's thread: the writer only checks the nonce.</summary>
    private Outcome<T>? Verify<T>(Principal caller, Attestation attestation, PartyPublicKey? selfSigned = null)
    {
        ArgumentNullException.ThrowIfNull(attestation);
        var request = attestation.Request;
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var skew = (long)_options.MaxClockSkew.TotalSeconds;
        if (Math.Abs(now - request.Created) > skew)
        {
            return Outcome<T>.BadSignature($"the request was signed at {request.Created} (Unix seconds), more than {skew} s from the server's clock ({now})");
        }

        PartyPublicKey key;
        if (selfSigned is not null)
        {
            if (request.KeyId != selfSigned.KeyId)
            {
                return Outcome<T>.BadSignature($"a key is registered by a request signed with that key ({selfSigned.KeyId}), not with {request.KeyId}");
            }

            key = selfSigned;
        }
        else
        {
            var party = caller.Role == Role.Operator ? LogEntry.OperatorParty : caller.PartyId;
            var registered = Read(s => s.Keys.GetValueOrDefault(request.KeyId));
            if (registered is null || registered.PartyId != party)
            {
                return Outcome<T>.BadSignature($"key {request.KeyId} is not registered to you");
            }

            key = registered.Key;
        }

        return request.VerifiesWith(key) ? null : Outcome<T>.BadSignature("the signature does not match the request");
    }

    /// <summary>On the writer: refuses a request whose nonce was already received — recorded in the log, or refused
    /// (a refused request must not succeed when replayed later, once conditions change). Refused ones are remembered
    /// in memory for the replay window.</summary>
    private Outcome<T>? Replayed<T>(Attestation attestation)
    {
        var nonce = attestation.Request.Nonce;
        if (_state.Nonces.ContainsKey(nonce) || _staged.Layer.Nonces.ContainsKey(nonce) || _received.ContainsKey(nonce))
        {
            return new Outcome<T>(OutcomeKind.Duplicate, Detail: $"this request (nonce {nonce}) was already received");
        }

        var now = _time.GetUtcNow();
        _received[nonce] = now;
        _receivedOrder.Enqueue((nonce, now));
        var windowStart = NonceWindowStart;
        while (_receivedOrder.TryPeek(out var oldest) && oldest.At < windowStart)
        {
            _received.Remove(_receivedOrder.Dequeue().Nonce);
        }

        return null;
    }

    /// <summary>On the writer: stages the log entry of an accepted write, at the next index.</summary>
    private LogReceipt Record(List<Change> changes, int party, string kind, string subject, long version, Attestation attestation, PartyPublicKey? key = null)
    {
        var time = _time.GetUtcNow();
        var entry = new LogEntry(time, party, kind, subject, version, key, attestation.Request).Encode();
        var leaf = Rfc9162.LeafHash(entry);
        var index = _log.Size + _staged.Entries;
        // The body array is the server's own copy of what was received and never changes: keep it, do not copy it.
        var body = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(attestation.Body, out var whole) && whole.Offset == 0 && whole.Count == whole.Array!.Length
            ? whole.Array
            : attestation.Body.ToArray();
        Apply(changes, new EntryAppended(index, entry, leaf, time, attestation.Request.Nonce, body) { Vouched = attestation.Vouched });
        return new LogReceipt(index, leaf);
    }

    private static string Subject(int party) => party.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Appends to the tree the entries the store holds beyond it (at open, and after a reload).</summary>
    private void CatchUpLog(AirspaceSnapshot snapshot)
    {
        for (var i = _log.Size; i < snapshot.LeafHashes.Count; i++)
        {
            _log.Append(snapshot.LeafHashes[(int)i]);
        }
    }

    // ---- the filing rule ------------------------------------------------------------------------------------

    /// <summary>Every extent of another party's live reservation or constraint within separation of
    /// <paramref name="extents"/>, skipping the entity being changed.</summary>
    private List<Conflict> FindConflicts(int owner, IReadOnlyList<Volume4D> extents, Guid? changing, Guid? reportAs = null) =>
        FindConflicts(_state, _staged, owner, extents, changing, reportAs);

    /// <summary>Every extent of another party's live reservation or constraint within separation of
    /// <paramref name="extents"/>, skipping the entity being changed: in the committed state, and (on the writer)
    /// in what the current batch has staged, which supersedes the committed version of the entities it touches.</summary>
    private List<Conflict> FindConflicts(
        State state, Staged? staged, int owner, IReadOnlyList<Volume4D> extents, Guid? changing, Guid? reportAs, bool includeOwn = false, Separation? separation = null)
    {
        var minima = separation ?? _options.Separation;
        int? excluded = includeOwn ? null : owner;
        var conflicts = new List<Conflict>();
        var hits = new List<long>();
        for (var i = 0; i < extents.Count; i++)
        {
            Collect(state.Index, state.BySeq, skipStaged: true);
            if (staged is not null)
            {
                Collect(staged.Layer.Index, staged.Layer.BySeq, skipStaged: false);
            }

            void Collect(VolumeIndex index, Dictionary<int, Entity> bySeq, bool skipStaged)
            {
                hits.Clear();
                index.Query(extents[i], minima, excluded, hits);
                hits.Sort();
                foreach (var hit in hits)
                {
                    if (!bySeq.TryGetValue((int)(hit >> ExtentBits), out var other) || other.Id == changing
                        || (skipStaged && staged is not null && staged.Touched.Contains(other.Id)))
                    {
                        continue;
                    }

                    var otherExtent = (int)(hit & ((1 << ExtentBits) - 1));
                    conflicts.Add(new Conflict(
                        reportAs ?? Guid.Empty,
                        owner,
                        i,
                        other.Kind,
                        other.Id,
                        other.Owner,
                        other.Version,
                        otherExtent,
                        ConflictRegion.Between(extents[i], other.Extents[otherExtent])));
                }
            }
        }

        return conflicts;
    }

    /// <summary>The reservation as the writer sees it: staged in this batch, else committed.</summary>
    private Entity? CurrentReservation(Guid id) =>
        _staged.Current(_staged.Layer.Reservations, _state.Reservations, id);

    /// <summary>The constraint as the writer sees it (null if withdrawn in this batch).</summary>
    private Entity? CurrentConstraint(Guid id) =>
        _staged.Current(_staged.Layer.Constraints, _state.Constraints, id);

    private static bool CanMove(ReservationState from, ReservationState to) => (from, to) switch
    {
        (ReservationState.Ended, _) => false,
        (_, ReservationState.Ended) => true,
        (ReservationState.Accepted, ReservationState.Accepted or ReservationState.Activated) => true,
        (ReservationState.Activated, ReservationState.Activated or ReservationState.Nonconforming or ReservationState.Contingent) => true,
        (ReservationState.Nonconforming, ReservationState.Activated or ReservationState.Nonconforming or ReservationState.Contingent) => true,
        (ReservationState.Contingent, ReservationState.Contingent) => true,
        _ => false,
    };

    private Outcome<Reservation>? Check(Principal caller, IReadOnlyList<Volume4D> extents, string? callSign, string? notes)
    {
        if (caller.Role != Role.Party || caller.PartyId is null)
        {
            return Outcome<Reservation>.Forbidden("only parties file");
        }

        if (extents is null || extents.Count == 0)
        {
            return Outcome<Reservation>.Invalid("extents", "at least one extent is required");
        }

        if (extents.Count > _options.MaxExtents)
        {
            return Outcome<Reservation>.Invalid("extents", $"at most {_options.MaxExtents} extents, got {extents.Count}");
        }

        if (callSign?.Length > _options.MaxTextLength)
        {
            return Outcome<Reservation>.Invalid("callSign", $"at most {_options.MaxTextLength} characters");
        }

        if (notes?.Length > _options.MaxTextLength)
        {
            return Outcome<Reservation>.Invalid("notes", $"at most {_options.MaxTextLength} characters");
        }

        return null;
    }

    private Outcome<Reservation>? Owned(Principal caller, Guid id, long expectedVersion)
    {
        if (CurrentReservation(id) is not { } entity)
        {
            return Outcome<Reservation>.NotFound($"no reservation {id}");
        }

        if (caller.PartyId != entity.Owner)
        {
            return Outcome<Reservation>.Forbidden("only the owner changes a reservation");
        }

        return entity.Version != expectedVersion
            ? new Outcome<Reservation>(OutcomeKind.VersionMismatch, Detail: $"the reservation is at version {entity.Version}, not {expectedVersion}", CurrentVersion: entity.Version)
            : null;
    }

    // ---- the writer -----------------------------------------------------------------------------------------

    private sealed class Work(Func<List<Change>, Action> apply, Action<Exception> fail)
    {
        public Func<List<Change>, Action> Apply { get; } = apply;

        public Action<Exception> Fail { get; } = fail;
    }

    private Task<Outcome<T>> SubmitAsync<T>(Func<List<Change>, Outcome<T>> decide, CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource<Outcome<T>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var work = new Work(
            changes =>
            {
                var outcome = decide(changes);
                return () => completion.TrySetResult(outcome);
            },
            e => completion.TrySetException(e));
        if (!_queue.Writer.TryWrite(work))
        {
            completion.TrySetException(new AirspaceUnavailableException(Failure is null ? "the airspace is closing" : "the store failed; writes are stopped", Failure));
        }

        // The write itself is never cancelled half-way: once queued it is decided and committed or failed.
        return completion.Task.WaitAsync(cancellationToken);
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Work>();
        var changes = new List<Change>();
        var completions = new List<Action>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            changes.Clear();
            completions.Clear();
            while (batch.Count < _options.MaxBatch && reader.TryRead(out var work))
            {
                batch.Add(work);
            }

            foreach (var work in batch)
            {
                try
                {
                    completions.Add(work.Apply(changes));
                }
                catch (Exception e)
                {
                    completions.Add(() => work.Fail(e));
                }
            }

            var committed = false;
            try
            {
                if (changes.Count > 0)
                {
                    var started = _time.GetTimestamp();
                    await _store.CommitAsync(changes, CancellationToken.None).ConfigureAwait(false);
                    committed = true;
                    AirspaceMetrics.Committed(batch.Count, changes.Count, _time.GetElapsedTime(started));
                    Publish(changes);
                }

                _staged.Clear();
            }
            catch (Exception e)
            {
                // A failed commit: nothing of this batch is acknowledged or was ever visible. The state is reloaded all
                // the same, in case the store kept part of what it reported as failed. A failure after the commit
                // (publishing it in memory): the batch is durable, so it is acknowledged once the state is reloaded
                // from the store, rather than failed and retried into duplicates.
                _staged.Clear();
                if (!committed)
                {
                    foreach (var work in batch)
                    {
                        work.Fail(e);
                    }
                }

                State reloaded;
                AirspaceSnapshot snapshot;
                try
                {
                    snapshot = await _store.LoadAsync(NonceWindowStart, CancellationToken.None).ConfigureAwait(false);
                    reloaded = State.From(snapshot);
                }
                catch (Exception reloadFailure)
                {
                    // The store can neither commit nor be read: stop taking writes rather than hang them.
                    if (committed)
                    {
                        foreach (var complete in completions)
                        {
                            complete();
                        }
                    }

                    Failure = reloadFailure;
                    _queue.Writer.TryComplete(reloadFailure);
                    while (reader.TryRead(out var stranded))
                    {
                        stranded.Fail(reloadFailure);
                    }

                    return;
                }

                _lock.EnterWriteLock();
                try
                {
                    _state.Dispose();
                    _state = reloaded;
                    CatchUpLog(snapshot);
                }
                finally
                {
                    _lock.ExitWriteLock();
                }

                if (!committed)
                {
                    continue;
                }
            }

            foreach (var complete in completions)
            {
                complete();
            }
        }
    }

    /// <summary>Stages a change (on the writer): later decisions of the batch see it, reads do not until the
    /// batch is committed and published.</summary>
    private void Apply(List<Change> changes, Change change)
    {
        _staged.Apply(change);
        changes.Add(change);
    }

    /// <summary>Makes a committed batch visible to reads, all at once.</summary>
    private void Publish(List<Change> changes)
    {
        var events = false;
        _lock.EnterWriteLock();
        try
        {
            foreach (var change in changes)
            {
                _state.Apply(change);
                if (change is EntryAppended appended)
                {
                    _log.Append(appended.LeafHash);
                }
                else if (change is LineEventAppended)
                {
                    events = true;
                }
            }

            _state.ForgetNoncesBefore(NonceWindowStart);
        }
        finally
        {
            _lock.ExitWriteLock();
        }

        if (events)
        {
            SignalEvents();
        }
    }

    private T Read<T>(Func<State, T> read)
    {
        _lock.EnterReadLock();
        try
        {
            return read(_state);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private (string Secret, Credential Credential) NewCredential(Role role, int? partyId)
    {
        var secret = "hl_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (secret, new Credential(Hash(secret), role, partyId, _time.GetUtcNow()));
    }

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    // ---- memory state ---------------------------------------------------------------------------------------

    /// <summary>A reservation or constraint as the index knows it: a sequence number keys its extents.</summary>
    private sealed record Entity(int Seq, Reservation? Reservation, Constraint? Constraint)
    {
        public Guid Id => Reservation?.Id ?? Constraint!.Id;

        public int Owner => Reservation?.Owner ?? Constraint!.Owner;

        public long Version => Reservation?.Version ?? Constraint!.Version;

        public EntityKind Kind => Reservation is null ? EntityKind.Constraint : EntityKind.Reservation;

        public IReadOnlyList<Volume4D> Extents => Reservation?.Extents ?? Constraint!.Extents;
    }

    /// <summary>What the batch being decided has staged, in the writer's hands only: its changes applied to a
    /// state of their own, and the ids they touched, whose committed versions no longer count.</summary>
    private sealed class Staged
    {
        public State Layer { get; private set; } = new();

        public HashSet<Guid> Touched { get; } = [];

        /// <summary>How many log entries the batch has staged.</summary>
        public long Entries { get; private set; }

        public void Apply(Change change)
        {
            Layer.Apply(change);
            switch (change)
            {
                case EntryAppended:
                    Entries++;
                    break;
                case ReservationSaved r:
                    Touched.Add(r.Reservation.Id);
                    break;
                case ConstraintSaved c:
                    Touched.Add(c.Constraint.Id);
                    break;
                case ConstraintDeleted d:
                    Touched.Add(d.Id);
                    break;
                case SubscriptionSaved saved:
                    Touched.Add(saved.Subscription.Id);
                    break;
                case SubscriptionDeleted deleted:
                    Touched.Add(deleted.Id);
                    break;
            }
        }

        /// <summary>The entity as the writer sees it: the staged version (null if withdrawn) when the batch
        /// touched it, else the committed one.</summary>
        public Entity? Current(Dictionary<Guid, Entity> staged, Dictionary<Guid, Entity> committed, Guid id) =>
            Touched.Contains(id) ? staged.GetValueOrDefault(id) : committed.GetValueOrDefault(id);

        public void Clear()
        {
            if (Layer.Parties.Count + Layer.Credentials.Count + Layer.Keys.Count + Layer.Nonces.Count + Layer.LineChanges + Layer.DssChanges + Touched.Count > 0)
            {
                Layer.Dispose();
                Layer = new State();
            }

            Touched.Clear();
            Entries = 0;
        }
    }

    private sealed partial class State
    {
        public Dictionary<int, Party> Parties { get; } = [];

        public Dictionary<string, Credential> Credentials { get; } = [];

        public Dictionary<Guid, Entity> Reservations { get; } = [];

        public Dictionary<Guid, Entity> Constraints { get; } = [];

        public Dictionary<int, Entity> BySeq { get; } = [];

        /// <summary>Registered keys by key id.</summary>
        public Dictionary<string, PartyKey> Keys { get; } = [];

        /// <summary>Nonces of the requests the log holds from the replay window, with when they were recorded.</summary>
        public Dictionary<Guid, DateTimeOffset> Nonces { get; } = [];

        private readonly Queue<RecordedNonce> _nonceOrder = new();

        public VolumeIndex Index { get; } = new();

        public int NextPartyId => Parties.Count == 0 ? 1 : Parties.Keys.Max() + 1;

        private int _nextSeq = 1;

        // While a snapshot is loaded: what each index is to receive, added in one batch per index.
        private Dictionary<VolumeIndex, List<(long Id, int Owner, Volume4D Volume)>>? _batches;

        public static State From(AirspaceSnapshot snapshot)
        {
            var state = new State();
            foreach (var p in snapshot.Parties)
            {
                state.Apply(new PartySaved(p));
            }

            foreach (var c in snapshot.Credentials)
            {
                state.Apply(new CredentialSaved(c));
            }

            // Each index is built in one batch (each cell sized once and sorted once) rather than volume by volume.
            state._batches = [];
            foreach (var r in snapshot.Reservations)
            {
                state.Apply(new ReservationSaved(r));
            }

            foreach (var c in snapshot.Constraints)
            {
                state.Apply(new ConstraintSaved(c));
            }

            state.LoadDss(snapshot);
            state.FlushBatches();
            state._batches = null;

            foreach (var k in snapshot.Keys)
            {
                state.Apply(new PartyKeySaved(k));
            }

            foreach (var n in snapshot.RecentNonces.OrderBy(n => n.RecordedAt))
            {
                state.Remember(n);
            }

            state.LoadLine(snapshot.Line);
            return state;
        }

        public void Apply(Change change)
        {
            switch (change)
            {
                case PartySaved p:
                    Parties[p.Party.Id] = p.Party;
                    PartyIdsByName[p.Party.Name] = p.Party.Id;
                    break;
                case CredentialSaved c:
                    Credentials[c.Credential.SecretHash] = c.Credential;
                    break;
                case ReservationSaved r:
                    Depend(Reservations.GetValueOrDefault(r.Reservation.Id)?.Reservation, r.Reservation);
                    Put(Reservations, r.Reservation.Id, seq => new Entity(seq, r.Reservation, null), r.Reservation.State != ReservationState.Ended);
                    break;
                case ConstraintSaved c:
                    Put(Constraints, c.Constraint.Id, seq => new Entity(seq, null, c.Constraint), live: true);
                    break;
                case ConstraintDeleted d:
                    if (Constraints.Remove(d.Id, out var removed))
                    {
                        Unindex(removed);
                        BySeq.Remove(removed.Seq);
                    }

                    break;
                case PartyKeySaved k:
                    Keys[k.Key.Key.KeyId] = k.Key;
                    break;
                case EntryAppended e:
                    // A vouched request's nonce was made here, fresh: nothing can replay it, so it is not kept
                    // (at thousands of F3548 writes a second, the replay window would hold millions).
                    if (!e.Vouched)
                    {
                        Remember(new RecordedNonce(e.Nonce, e.RecordedAt));
                    }

                    break;
                case MessageSaved or LineEventAppended or LineStandingSaved:
                    ApplyLine(change);
                    break;
                case SubscriptionSaved or SubscriptionNotified or SubscriptionDeleted or UssAvailabilitySaved:
                    ApplyDss(change);
                    break;
                default:
                    throw new ArgumentException($"unknown change {change.GetType().Name}", nameof(change));
            }
        }

        public void Dispose()
        {
            Index.Dispose();
            DisposeDss();
        }

        public void ForgetNoncesBefore(DateTimeOffset time)
        {
            while (_nonceOrder.TryPeek(out var oldest) && oldest.RecordedAt < time)
            {
                Nonces.Remove(_nonceOrder.Dequeue().Nonce);
            }
        }

        private void Remember(RecordedNonce nonce)
        {
            if (Nonces.TryAdd(nonce.Nonce, nonce.RecordedAt))
            {
                _nonceOrder.Enqueue(nonce);
            }
        }

        private void Put(Dictionary<Guid, Entity> map, Guid id, Func<int, Entity> create, bool live)
        {
            if (map.TryGetValue(id, out var previous))
            {
                FlushBatches(); // its extents may still be waiting in a batch
                Unindex(previous);
            }

            var entity = create(previous?.Seq ?? _nextSeq++);
            if (entity.Extents.Count > 1 << ExtentBits)
            {
                // The index keys extents by 8 bits: more would overwrite another entity's extents.
                throw new InvalidOperationException($"an entity has at most {1 << ExtentBits} extents, not {entity.Extents.Count}");
            }

            map[id] = entity;
            BySeq[entity.Seq] = entity;
            if (live)
            {
                for (var i = 0; i < entity.Extents.Count; i++)
                {
                    AddToIndex(Index, ((long)entity.Seq << ExtentBits) | (long)i, entity.Owner, entity.Extents[i]);
                }
            }
        }

        /// <summary>Adds an extent to <paramref name="index"/>, or to its batch while a snapshot is loaded.</summary>
        private void AddToIndex(VolumeIndex index, long key, int owner, Volume4D volume)
        {
            if (_batches is null)
            {
                index.Upsert(key, owner, volume);
            }
            else if (_batches.TryGetValue(index, out var batch))
            {
                batch.Add((key, owner, volume));
            }
            else
            {
                _batches[index] = [(key, owner, volume)];
            }
        }

        /// <summary>Adds what waits in the batches (see <see cref="From"/>) to their indexes.</summary>
        private void FlushBatches()
        {
            foreach (var (index, batch) in _batches ?? [])
            {
                index.AddRange(batch);
                batch.Clear();
            }
        }

        private void Unindex(Entity entity)
        {
            for (var i = 0; i < entity.Extents.Count; i++)
            {
                Index.Remove(((long)entity.Seq << ExtentBits) | (long)i);
            }
        }
    }
}
