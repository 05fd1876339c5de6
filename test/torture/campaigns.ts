// Every torture campaign, in the order `npm run torture` runs them.
import type { Campaign } from './campaign';
import { powerCuts } from './power/campaign';
import { fuzzCampaign } from './fuzz/campaign';
import { floodsCampaign } from './floods/campaign';
import { soakCampaign } from './soak/campaign';
import { sanitizerCampaign } from './sanitizer/campaign';

export const CAMPAIGNS: readonly Campaign[] = [powerCuts, fuzzCampaign, floodsCampaign, soakCampaign, sanitizerCampaign];
