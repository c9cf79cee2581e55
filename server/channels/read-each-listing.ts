// Read-back one listing per request, for marketplaces without a batch read (Walmart's GET
// inventory) and for what a batch read cannot carry (Amazon's getListingsItem, for a SKU holding a
// comma that searchListingsItems cannot search): a 404 is a listing the channel does not have (null),
// any other failure ends the read-back with the marketplace's own reason.
import type { AuthFailure } from './access-token'
import type { ListingUpdate, ReadBack } from './connector'
import { noResponseFailure, readErrorFrom, type ChannelResponse, type FailureClass } from './channel-http'

type Answered = Extract<ChannelResponse, { kind: 'response' }>

export async function readEachListing(
  listings: Array<Pick<ListingUpdate, 'listingId' | 'externalSku'>>,
  request: (externalSku: string) => Promise<ChannelResponse | AuthFailure>,
  answer: {
    /** Why a non-200 answer failed, in the marketplace's words. */
    failure(response: Answered): FailureClass
    /** The quantity a 200 answer shows (throws a read error on a body it cannot read). */
    quantity(response: Answered): number
  },
): Promise<ReadBack[]> {
  const readBacks: ReadBack[] = []
  for (const listing of listings) {
    const response = await request(listing.externalSku)
    if (response.kind === 'auth-failed') throw readErrorFrom(response.failure)
    if (response.kind === 'no-response') throw readErrorFrom(noResponseFailure(response))
    if (response.status === 404) {
      readBacks.push({ listingId: listing.listingId, quantity: null })
      continue
    }
    if (response.status !== 200) throw readErrorFrom(answer.failure(response), response.status)
    readBacks.push({ listingId: listing.listingId, quantity: answer.quantity(response) })
  }
  return readBacks
}
