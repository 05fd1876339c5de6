// Every torture campaign, in the order `npm run torture` runs them.
import type { Campaign } from './campaign';
import { powerCuts } from './power/campaign';

export const CAMPAIGNS: readonly Campaign[] = [powerCuts];
