/** Verifies a device's platform attestation (Apple DeviceCheck/App Attest, Google Play Integrity). */
export type AttestationResult = 'verified' | 'failed' | 'unverifiable';

export interface AttestationVerifier {
  readonly name: string;
  verify(input: {
    platform: 'ios' | 'android' | 'web';
    token: string;
    installId: string;
  }): Promise<AttestationResult>;
}

/**
 * Embedded default: no Apple or Google credentials, so nothing can be verified. Says so ("unverifiable")
 * rather than pretending; policies that need attestation treat it as not verified.
 */
export class LocalAttestation implements AttestationVerifier {
  readonly name = 'local';
  async verify(): Promise<AttestationResult> {
    return 'unverifiable';
  }
}

/** Routes each platform to its verifier; web has no attestation. */
export class PlatformAttestation implements AttestationVerifier {
  readonly name = 'platform';
  constructor(
    private readonly ios: AttestationVerifier,
    private readonly android: AttestationVerifier,
  ) {}
  verify(input: {
    platform: 'ios' | 'android' | 'web';
    token: string;
    installId: string;
  }): Promise<AttestationResult> {
    if (input.platform === 'ios') return this.ios.verify(input);
    if (input.platform === 'android') return this.android.verify(input);
    return Promise.resolve('unverifiable');
  }
}
