// How an execution score reads: a colour band and a share as a percentage. Pure: tested.

/** good ≥ 85, fair ≥ 65, else poor. */
export function scoreClass(score: number): "good" | "fair" | "poor" {
  if (score >= 85) return "good";
  if (score >= 65) return "fair";
  return "poor";
}

export function shareText(share: number): string {
  return `${Math.round(Math.max(0, Math.min(1, share)) * 100)}%`;
}
