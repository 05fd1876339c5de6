// The default configuration with a static WAN, as the simulation tests that need a WAN address
// without a DHCP server on the WAN side set it up.
import { DEFAULT_CONFIG, withValue, type RouterConfig } from '../../firmware/config';

export function staticWanConfig(address: number, gateway: number, prefix = 24, base: RouterConfig = DEFAULT_CONFIG): RouterConfig {
  let config = withValue(base, 'wan.mode', 'static');
  config = withValue(config, 'wan.address', address);
  config = withValue(config, 'wan.prefix', prefix);
  return withValue(config, 'wan.gateway', gateway);
}
