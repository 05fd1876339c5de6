// Polycom/Poly SoundPoint, VVX, Trio. <mac>.cfg and 000000000000.cfg are *master* files naming the
// application and the other config files; the settings go in <mac>-plugboard.cfg.
// Keys: tcpIpApp.port.rtp.mediaPortRangeStart (even; pool start..start+47 voice, +95 video) read in
// the Polycom SIP 3.1 admin guide A-62 and the CX5100 guide p.78 (high); voIpProt.local.port (the
// phone's own SIP port) remembered from the UC Software guide (medium).
// One attribute per line, so one the class has no value for is left out (the ports are required).
// APP_FILE_PATH is the firmware: the class's boot file unless `var firmware` names another.
export const POLYCOM_MASTER_TEMPLATE = `<?xml version="1.0" standalone="yes"?>
<!-- Rendered by Plugboard for {{mac}} at {{ip}} -->
<APPLICATION APP_FILE_PATH="{{firmware|sip.ld}}" CONFIG_FILES="{{mac}}-plugboard.cfg" MISC_FILES="" LOG_FILE_DIRECTORY="" OVERRIDES_DIRECTORY="" CONTACTS_DIRECTORY="" LICENSE_DIRECTORY=""/>
`;

export const POLYCOM_TEMPLATE = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!-- Rendered by Plugboard for {{mac}} at {{ip}}: ports {{port_min}}-{{port_max}} on {{public_ip|not yet known}} -->
<polycomConfig>
  <voIpProt
    voIpProt.local.port="{{sip_port}}"
    voIpProt.server.1.address="{{sip_server?}}"
  />
  <tcpIpApp
    tcpIpApp.port.rtp.mediaPortRangeStart="{{rtp_min}}"
    tcpIpApp.sntp.address="{{ntp?}}"
  />
</polycomConfig>
`;
