// `npm run simulators`: the demo marketplaces (Shopify, Amazon, Walmart, B2B portal) in a process
// of their own, for a demo or a test spread over several processes. STOCKTOWER_SIMULATOR_PORT_BASE
// pins their ports (shopify base, amazon +1, walmart +2, b2b +3) so channel settings stay valid
// across restarts; otherwise they print the ports they chose (`SIMULATORS {urls}`).
import { startRole } from '../server/runtime/process-role'

startRole('simulators', 'simulator', () => import('../workers/simulator'))
