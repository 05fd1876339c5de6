// Yealink T2x/T4x/T5x provisioning file (common y0000000000xx.cfg and per-MAC <mac>.cfg).
// Keys: static.network.port.min_rtpport/max_rtpport read in the Yealink T4x admin guide (p.33) and
// seen in Yealink's own cfg templates (high); sip.listen_port seen in the same templates (medium).
// The phone's ports are required (the file exists to set them); a setting the class has no value
// for leaves its line out, so the phone keeps its own instead of reading `key =`.
export const YEALINK_TEMPLATE = `#!version:1.0.0.1
## Rendered by Plugboard for {{mac}} at {{ip}}: ports {{port_min}}-{{port_max}} on {{public_ip|not yet known}}
sip.listen_port = {{sip_port}}
static.network.port.min_rtpport = {{rtp_min}}
static.network.port.max_rtpport = {{rtp_max}}
account.1.sip_server.1.address = {{sip_server?}}
local_time.ntp_server1 = {{ntp?}}
local_time.time_zone = {{tz?}}
static.firmware.url = {{firmware_url?}}
`;
