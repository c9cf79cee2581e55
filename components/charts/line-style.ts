// How every trend line is drawn: a gap where a minute or bucket has no value (never a line drawn
// across it), and no animation (live data redraws often).
export const TREND_LINE = { connectNulls: false, isAnimationActive: false } as const
