// TorchSharp uses process-wide state (thread counts, the default dtype, the random generator):
// tests run one at a time.
[assembly: DoNotParallelize]
