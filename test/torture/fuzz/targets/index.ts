// Every fuzz target, in the order the campaign runs them.
import type { FuzzTarget } from '../target';
import { dhcpParse, dhcpServer } from './dhcp';
import { tftpParse, tftpServer } from './tftp';
import { stackFrames } from './stack';
import { napptLan, napptWan } from './nappt';
import { consoleEditor, consoleParser } from './console';
import { boardLoader, configLoader } from './loaders';

export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  dhcpParse, dhcpServer, tftpParse, tftpServer, stackFrames, napptLan, napptWan, consoleEditor, consoleParser, boardLoader, configLoader,
];
