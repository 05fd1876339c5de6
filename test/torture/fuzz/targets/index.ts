// Every fuzz target, in the order the campaign runs them.
import type { FuzzTarget } from '../target';
import { dhcpParse, dhcpServer } from './dhcp';
import { tftpParse, tftpServer } from './tftp';

export const FUZZ_TARGETS: readonly FuzzTarget[] = [dhcpParse, dhcpServer, tftpParse, tftpServer];
