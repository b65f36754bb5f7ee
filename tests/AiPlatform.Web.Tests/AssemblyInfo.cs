// Hangfire keeps some configuration in statics; hosts in this assembly run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
