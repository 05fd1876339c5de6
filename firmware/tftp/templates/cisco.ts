// Cisco Enterprise SIP phones: SEP<MAC>.cnf.xml (and XMLDefault.cnf.xml).
// <startMediaPort>/<stopMediaPort> and <voipControlPort> (the phone's own SIP port) sit in
// <sipProfile>; seen in many published SEP*.cnf.xml files and Cisco's sipstack sources (high).
// <sipPort> under callManager/ports is the *server's* SIP port, not the phone's (medium).
// <loadInformation> names a load without its .loads suffix (the phone fetches <load>.loads).
// The ports are required; an element the class has no value for is left out.
export const CISCO_TEMPLATE = `<?xml version="1.0" encoding="UTF-8"?>
<!-- Rendered by Plugboard for {{mac}} at {{ip}}: ports {{port_min}}-{{port_max}} on {{public_ip|not yet known}} -->
<device>
  <deviceProtocol>SIP</deviceProtocol>
  <devicePool>
    <callManagerGroup>
      <members>
        <member priority="0">
          <callManager>
            <ports>
              <sipPort>{{sip_server_port|5060}}</sipPort>
            </ports>
            <processNodeName>{{sip_server?}}</processNodeName>
          </callManager>
        </member>
      </members>
    </callManagerGroup>
  </devicePool>
  <sipProfile>
    <natEnabled>false</natEnabled>
    <voipControlPort>{{sip_port}}</voipControlPort>
    <startMediaPort>{{rtp_min}}</startMediaPort>
    <stopMediaPort>{{rtp_max}}</stopMediaPort>
  </sipProfile>
  <loadInformation>{{firmware_load?}}</loadInformation>
  <sntpServer>{{ntp?}}</sntpServer>
</device>
`;
