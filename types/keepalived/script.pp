# @summary A keepalived notify script with its arguments, written between double quotes in keepalived.conf.
#
# An absolute path, then printable ASCII; spaces separate arguments and single quotes group them,
# as keepalived parses them. Refused: `"` (keepalived has no escape for it: measured with 2.2.7,
# `\"` gives "Unmatched quote"), backslashes, braces, `#`, `!` and any control character such as
# a newline, because each could end the quoted string or the block early, or start a comment. Put
# anything more elaborate in a script file.
#
# @example
#   Gluster_vip::Keepalived::Script $notify = '/usr/local/bin/vip-changed master'
type Gluster_vip::Keepalived::Script = Pattern[/\A\/[\x20-\x7e&&[^"\\{}#!]]{0,1023}\z/]
