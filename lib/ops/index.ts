// The ops namespace: every op validates its arguments, runs a registered kernel, and
// records its gradient on the tape. Semantics follow torch.nn.functional.
export {};
