/** What a caller's sink threw: the caller's to have back, never a fault of the log nor a finding. */
export class SinkFailure {
  constructor(readonly error: unknown) {}
}
