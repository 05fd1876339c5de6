// The provisioning templates shipped with the firmware, by template id. A store item named
// `template:<id>` replaces the shipped one.
import { CISCO_TEMPLATE } from './cisco';
import { GRANDSTREAM_TEMPLATE } from './grandstream';
import { POLYCOM_MASTER_TEMPLATE, POLYCOM_TEMPLATE } from './polycom';
import { YEALINK_TEMPLATE } from './yealink';

export type TemplateId = 'cisco' | 'polycom-master' | 'polycom' | 'yealink' | 'grandstream';

export const SHIPPED_TEMPLATES: Readonly<Record<TemplateId, string>> = {
  cisco: CISCO_TEMPLATE,
  'polycom-master': POLYCOM_MASTER_TEMPLATE,
  polycom: POLYCOM_TEMPLATE,
  yealink: YEALINK_TEMPLATE,
  grandstream: GRANDSTREAM_TEMPLATE,
};

export { CISCO_TEMPLATE, GRANDSTREAM_TEMPLATE, POLYCOM_MASTER_TEMPLATE, POLYCOM_TEMPLATE, YEALINK_TEMPLATE };
