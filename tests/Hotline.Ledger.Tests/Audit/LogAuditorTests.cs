using System.Text;

namespace Hotline.Ledger.Tests.Audit;

/// <summary>The auditor passes real and honest logs, and finds every kind of tampering, saying where and why.</summary>
public sealed class LogAuditorTests : IDisposable
{
    private const string Tessera = "tessera-testdata-log/log";
    private readonly HotlineEntries _hotline = new();

    public void Dispose() => _hotline.Dispose();

    [Fact]
    public void TheTesseraTestLogPassesWithOpaqueEntries()
    {
        var report = LogAuditor.Audit(TesseraInput(previous: "checkpoint.8"));

        Assert.True(report.IsClean, string.Join("; ", report.Errors));
        Assert.False(report.HotlineEntries);
        Assert.Equal(15, report.Size);
        Assert.Equal(15, report.Entries);
        Assert.Equal("rKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=", report.Root!.Value.ToBase64());
    }

    [Fact]
    public void EveryEarlierTesseraCheckpointIsConsistentWithTheLatest()
    {
        for (var size = 0; size <= 15; size++)
        {
            var report = LogAuditor.Audit(TesseraInput(previous: $"checkpoint.{size}"));
            Assert.True(report.IsClean, $"checkpoint.{size}: {string.Join("; ", report.Errors)}");
        }
    }

    [Fact]
    public void ATesseraEntryChangedInTheMirrorIsNamed()
    {
        var input = TesseraInput(previous: null);
        var read = input.ReadTile;
        var report = LogAuditor.Audit(input with
        {
            ReadTile = path =>
            {
                var bytes = read(path);
                if (path.IsEntries && bytes is not null)
                {
                    bytes = (byte[])bytes.Clone();
                    bytes[^1] ^= 1; // the last byte of entry 14, "fivten"
                }

                return bytes;
            },
        });

        Assert.Equal(14, report.Errors[0].Index);
        Assert.Contains("leaf hash 14 differs", report.Errors[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AnHonestHotlineLogPassesWithItsEntriesChecked()
    {
        var log = TestLog.Build(_hotline.Standard(6));

        var report = log.Audit();

        Assert.True(report.IsClean, string.Join("; ", report.Errors));
        Assert.True(report.HotlineEntries);
        Assert.Equal(9, report.Entries);
        Assert.Equal(log.Checkpoint, report.Checkpoint);
        Assert.Empty(report.Warnings);
    }

    [Fact]
    public void AnHonestHotlineLogOfSeveralBundlesAndTileLevelsPasses()
    {
        var log = TestLog.Build(_hotline.Standard(600));
        Assert.Contains("tile/1/000.p/2", log.Files.Keys);

        var report = log.Audit();

        Assert.True(report.IsClean, string.Join("; ", report.Errors));
        Assert.Equal(603, report.Entries);
        Assert.True(report.HotlineEntries);
    }

    [Fact]
    public void AnHonestLogThatGrewPassesAgainstTheCheckpointSeenBefore()
    {
        var entries = _hotline.Standard(4);
        var before = TestLog.Build(entries);
        entries.Add(_hotline.Filed(HotlineEntries.AlphaParty, _hotline.Alpha));

        var report = TestLog.Build(entries).Audit(previous: before.Note);

        Assert.True(report.IsClean, string.Join("; ", report.Errors));
    }

    [Fact]
    public void AChangedEntryByteIsFoundAtItsIndex()
    {
        var log = TestLog.Build(_hotline.Standard(4));
        log.RewriteBundle(entries =>
        {
            entries[4] = (byte[])entries[4].Clone();
            entries[4][^3] ^= 0x01; // inside the body digest of the signed request
            return entries;
        });

        var report = log.Audit();

        Assert.Equal(new AuditError(4, "tile/0/000.p/7: leaf hash 4 differs from the hash the entries give"), report.Errors[0]);
        Assert.Contains(report.Errors, e => e.Index is null && e.Reason.StartsWith("root mismatch:", StringComparison.Ordinal));
        Assert.Contains(report.Errors, e => e.Index == 4 && e.Reason.Contains("signature does not verify", StringComparison.Ordinal)
            || e.Index == 4 && e.Reason.Contains("not a canonical", StringComparison.Ordinal));
    }

    [Fact]
    public void TwoEntriesReorderedByTheLogAreAForkOfTheCheckpointSeenBefore()
    {
        // The log re-serves its entries with two filings swapped, every tile rebuilt and the checkpoint re-signed:
        // each entry is still validly signed, so only the checkpoint this user saw before gives it away.
        var entries = _hotline.Standard(4);
        var seen = TestLog.Build(entries);
        List<byte[]> swapped = [.. entries];
        (swapped[3], swapped[4]) = (swapped[4], swapped[3]);
        swapped.Add(_hotline.Filed(HotlineEntries.BravoParty, _hotline.Bravo));

        var report = TestLog.Build(swapped).Audit(previous: seen.Note);

        var error = Assert.Single(report.Errors);
        Assert.StartsWith($"fork: at size 7 the log's root is ", error.Reason, StringComparison.Ordinal);
        Assert.EndsWith($"the checkpoint seen before says {seen.Checkpoint.Root.ToBase64()}", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoEntriesReorderedInTheMirrorAreFoundAtTheFirstOfThem()
    {
        var log = TestLog.Build(_hotline.Standard(4));
        log.RewriteBundle(entries =>
        {
            (entries[3], entries[5]) = (entries[5], entries[3]);
            return entries;
        });

        var report = log.Audit();

        Assert.Equal(3, report.Errors[0].Index);
        Assert.Equal("tile/0/000.p/7: leaf hash 3 differs from the hash the entries give", report.Errors[0].Reason);
    }

    [Fact]
    public void ADroppedPartyCreationLeavesItsFilingsSignedByAnUnregisteredKey()
    {
        // The log drops the entry that registered Bravo's key and re-signs a consistent log: Bravo's filings no
        // longer follow from the log itself.
        var entries = _hotline.Standard(4);
        var bravoKey = _hotline.Bravo.PublicKey.KeyId;
        entries.RemoveAt(2);

        var report = TestLog.Build(entries).Audit();

        Assert.Equal(2, report.Errors.Count);
        Assert.Equal(new AuditError(3, $"reservation.filed (party 2, subject {Subject(entries[3])}): signed by key {bravoKey}, which no earlier entry registers"), report.Errors[0]);
        Assert.Equal(5, report.Errors[1].Index);
    }

    [Fact]
    public void ADroppedEntryIsARollbackOfTheCheckpointSeenBefore()
    {
        var entries = _hotline.Standard(4);
        var seen = TestLog.Build(entries);
        entries.RemoveAt(5);

        var report = TestLog.Build(entries).Audit(previous: seen.Note);

        var error = Assert.Single(report.Errors);
        Assert.Equal("rollback: the log has size 6, smaller than the 7 of a checkpoint seen before", error.Reason);
    }

    [Fact]
    public void ADroppedEntryInTheMirrorLeavesItsBundleShort()
    {
        var log = TestLog.Build(_hotline.Standard(4));
        log.RewriteBundle(entries =>
        {
            entries.RemoveAt(5);
            return entries;
        });

        var report = log.Audit();

        var error = Assert.Single(report.Errors);
        Assert.Equal(new AuditError(0, "tile/entries/000.p/7 does not decode: bundle truncated: it holds 6 entries, its tile has 7"), error);
    }

    [Fact]
    public void AnEntryInsertedIntoHistoryIsAForkOfTheCheckpointSeenBefore()
    {
        var entries = _hotline.Standard(4);
        var seen = TestLog.Build(entries);
        entries.Insert(4, _hotline.Filed(HotlineEntries.AlphaParty, _hotline.Alpha));

        var report = TestLog.Build(entries).Audit(previous: seen.Note);

        var error = Assert.Single(report.Errors);
        Assert.StartsWith("fork: at size 7 ", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AFilingSignedByAKeyNotRegisteredToItsPartyIsAForgery()
    {
        // The operator appends a filing in Alpha's name, signed with a key it made (or with its own key).
        using var forger = PartySigningKey.Generate();
        var entries = _hotline.Standard(2);
        entries.Add(_hotline.Filed(HotlineEntries.AlphaParty, forger));
        entries.Add(_hotline.Filed(HotlineEntries.AlphaParty, _hotline.Operator));
        entries.Add(_hotline.Filed(HotlineEntries.AlphaParty, _hotline.Bravo));

        var report = TestLog.Build(entries).Audit();

        Assert.Equal(3, report.Errors.Count);
        Assert.Equal(new AuditError(5, $"reservation.filed (party 1, subject {Subject(entries[5])}): signed by key {forger.PublicKey.KeyId}, which no earlier entry registers"), report.Errors[0]);
        Assert.Equal(new AuditError(6, $"reservation.filed (party 1, subject {Subject(entries[6])}): signed by key {_hotline.Operator.PublicKey.KeyId}, which is registered to party 0, not 1"), report.Errors[1]);
        Assert.Equal(new AuditError(7, $"reservation.filed (party 1, subject {Subject(entries[7])}): signed by key {_hotline.Bravo.PublicKey.KeyId}, which is registered to party 2, not 1"), report.Errors[2]);
    }

    [Fact]
    public void TheOperatorMayVouchForAPartyOnlyOnTheDssApi()
    {
        // A USS authenticates to /dss/ with a bearer token; the server signs its request with the operator's key.
        var entries = _hotline.Standard(2);
        var intent = Guid.NewGuid();
        entries.Add(_hotline.DssFiled(HotlineEntries.AlphaParty, _hotline.Operator, $"/dss/v1/operational_intent_references/{intent}"));
        entries.Add(_hotline.DssFiled(HotlineEntries.AlphaParty, _hotline.Alpha, $"/dss/v1/operational_intent_references/{Guid.NewGuid()}"));
        // Anywhere else the operator's key does not speak for a party, even on a path that merely mentions dss.
        entries.Add(_hotline.DssFiled(HotlineEntries.AlphaParty, _hotline.Operator, "/v1/reservations/dss/v1"));

        var report = TestLog.Build(entries).Audit();

        var error = Assert.Single(report.Errors);
        Assert.Equal(7, error.Index);
        Assert.Contains("which is registered to party 0, not 1", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AVouchedEntryMustStillVerifyWithTheOperatorKey()
    {
        using var forger = PartySigningKey.Generate();
        var entries = _hotline.Standard(0);
        entries.Add(_hotline.DssFiled(HotlineEntries.AlphaParty, forger, "/dss/v1/operational_intent_references/x"));

        var report = TestLog.Build(entries).Audit();

        Assert.Contains("which no earlier entry registers", Assert.Single(report.Errors).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ARequestWhoseSignatureWasSwappedDoesNotVerify()
    {
        var entries = _hotline.Standard(2);
        var genuine = LogEntry.Decode(entries[3]);
        var other = LogEntry.Decode(_hotline.Filed(HotlineEntries.AlphaParty, _hotline.Alpha));
        var keyId = _hotline.Alpha.PublicKey.KeyId;

        // Same signed message, the signature of another request by the same key.
        var forged = SignedRequest.FromMessage(genuine.Request.Message, other.Request.Signature);
        entries[3] = (genuine with { Request = forged }).Encode();

        var report = TestLog.Build(entries).Audit();

        var error = Assert.Single(report.Errors);
        Assert.Equal(new AuditError(3, $"reservation.filed (party 1, subject {genuine.Subject}): the request signature does not verify with key {keyId}"), error);
    }

    [Fact]
    public void ALogRolledBackBelowTheCheckpointSeenBeforeIsRefused()
    {
        var entries = _hotline.Standard(6);
        var seen = TestLog.Build(entries);

        var report = TestLog.Build(entries[..5]).Audit(previous: seen.Note);

        var error = Assert.Single(report.Errors);
        Assert.Equal(new AuditError(5, "rollback: the log has size 5, smaller than the 9 of a checkpoint seen before"), error);
    }

    [Fact]
    public void ALogForkedAtTheSizeSeenBeforeIsRefused()
    {
        var entries = _hotline.Standard(4);
        var seen = TestLog.Build(entries);
        List<byte[]> fork = [.. entries[..^1], _hotline.Filed(HotlineEntries.BravoParty, _hotline.Bravo)];

        var forked = TestLog.Build(fork);
        var report = forked.Audit(previous: seen.Note);

        var error = Assert.Single(report.Errors);
        Assert.Null(error.Index);
        Assert.Equal($"fork: at size 7 the log's root is {forked.Checkpoint.Root.ToBase64()}, the checkpoint seen before says {seen.Checkpoint.Root.ToBase64()}", error.Reason);
    }

    [Fact]
    public void ACheckpointSignedByAnotherKeyIsRefused()
    {
        using var impostor = Ed25519NoteSigner.Generate(TestLog.Origin);
        var log = TestLog.Build(_hotline.Standard(2), impostor);

        var report = log.Audit();

        var error = Assert.Single(report.Errors);
        Assert.Equal("checkpoint: note has no verifiable signatures (not signed by the log key)", error.Reason);
        Assert.Null(report.Checkpoint);
    }

    [Fact]
    public void APreviousCheckpointSignedByAnotherKeyIsRefused()
    {
        using var impostor = Ed25519NoteSigner.Generate(TestLog.Origin);
        var entries = _hotline.Standard(2);

        var report = TestLog.Build(entries).Audit(previous: TestLog.Build(entries, impostor).Note);

        Assert.Equal("previous checkpoint: note has no verifiable signatures", Assert.Single(report.Errors).Reason);
    }

    [Fact]
    public void AHashTileThatDisagreesWithTheEntriesIsFound()
    {
        var log = TestLog.Build(_hotline.Standard(4));
        log.Files["tile/0/000.p/7"][(2 * Hash.Size) + 5] ^= 0x80;

        var report = log.Audit();

        var error = Assert.Single(report.Errors);
        Assert.Equal(new AuditError(2, "tile/0/000.p/7: leaf hash 2 differs from the hash the entries give"), error);
    }

    [Fact]
    public void AHigherHashTileThatDisagreesWithTheEntriesIsFound()
    {
        var entries = Enumerable.Range(0, 600).Select(i => Encoding.ASCII.GetBytes($"entry {i}")).ToList();
        var log = TestLog.Build(entries);
        Assert.True(log.Audit().IsClean);
        log.Files["tile/1/000.p/2"][Hash.Size] ^= 1;

        var report = log.Audit();

        var error = Assert.Single(report.Errors);
        Assert.False(report.HotlineEntries);
        Assert.Equal(new AuditError(256, "tile/1/000.p/2: hash 1 (tree level 8, entries 256..511) differs from the hash the entries give"), error);
    }

    [Fact]
    public void AMissingTileIsNamed()
    {
        var log = TestLog.Build(Enumerable.Range(0, 300).Select(i => new byte[] { (byte)i }).ToList());
        log.Files.Remove("tile/entries/001.p/44");

        var report = log.Audit();

        Assert.Equal(new AuditError(256, "tile/entries/001.p/44 is missing (entries 256..299)"), Assert.Single(report.Errors));
    }

    [Fact]
    public void WitnessCosignaturesAreReportedAndAMissingOneIsAWarning()
    {
        using var witness = Cosigner.Generate("witness.example/one");
        using var absent = Cosigner.Generate("witness.example/two");
        var log = TestLog.Build(_hotline.Standard(1));
        log.Note += witness.Cosign(log.Checkpoint, DateTimeOffset.UnixEpoch.AddYears(60)).ToLine();

        var report = LogAuditor.Audit(log.Input() with { Witnesses = [witness.Verifier, absent.Verifier] });

        Assert.True(report.IsClean, string.Join("; ", report.Errors));
        Assert.Equal(["witness.example/one"], report.Cosigners);
        Assert.Equal(["witness witness.example/two did not cosign this checkpoint"], report.Warnings);
    }

    [Fact]
    public void HotlineSemanticsCanBeForcedOnALogThatIsNotHotlines()
    {
        var report = LogAuditor.Audit(TesseraInput(previous: null) with { HotlineEntries = true });

        Assert.Equal(15, report.Errors.Count);
        Assert.Equal(new AuditError(0, "not a canonical hotline-entry/v1 entry: an entry is header lines, a blank line, then the signed request"), report.Errors[0]);
    }

    private static string Subject(byte[] entry) => LogEntry.Decode(entry).Subject;

    private static AuditInput TesseraInput(string? previous)
    {
        using var json = TestVectors.Json("tessera-testdata-log/keys_and_entries.json");
        var key = NoteVerifier.Parse(json.RootElement.GetProperty("log_public_key_vkey").GetString()!);
        var dir = TestVectors.PathOf(Tessera);
        return new AuditInput([key], File.ReadAllText(Path.Combine(dir, "checkpoint")), path =>
        {
            var file = Path.Combine(dir, path.ToString());
            return File.Exists(file) ? File.ReadAllBytes(file) : null;
        })
        {
            PreviousCheckpoint = previous is null ? null : File.ReadAllText(Path.Combine(dir, previous)),
        };
    }
}
