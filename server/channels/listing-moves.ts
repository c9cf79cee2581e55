// How a change would move a channel's listed quantities (the rule impact preview, a shadow
// channel's first live publish): of its listings, how many go up, down, to zero, from zero, or stay.
export interface ListingMoves {
  listings: number
  up: number
  down: number
  toZero: number
  fromZero: number
  unchanged: number
}

export const noListingMoves = (): ListingMoves => ({
  listings: 0,
  up: 0,
  down: 0,
  toZero: 0,
  fromZero: 0,
  unchanged: 0,
})
