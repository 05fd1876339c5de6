// Grandstream GXP/GRP: cfg<mac>.xml (and cfg.xml). P-values remembered from Grandstream's
// provisioning guide, not confirmed in a primary source here (low): P40 local SIP port,
// P39 local RTP port (the phone counts up from it), P78 "use random port" (0 = off).
// The ports are required; a P-value the class has no value for is left out.
export const GRANDSTREAM_TEMPLATE = `<?xml version="1.0" encoding="UTF-8"?>
<!-- Rendered by Plugboard for {{mac}} at {{ip}}: ports {{port_min}}-{{port_max}} on {{public_ip|not yet known}} -->
<gs_provision version="1">
  <mac>{{mac}}</mac>
  <config version="1">
    <P40>{{sip_port}}</P40>
    <P39>{{rtp_min}}</P39>
    <P78>0</P78>
    <P47>{{sip_server?}}</P47>
    <P30>{{ntp?}}</P30>
  </config>
</gs_provision>
`;
