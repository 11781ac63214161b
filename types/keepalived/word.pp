# @summary One bare word of keepalived.conf: a router id, an interface, a user, a password.
#
# Printable ASCII without spaces, quotes, backslashes, braces or keepalived's comment marks
# (`#`, `!`). keepalived.conf has no escape mechanism: one of these characters would end the
# word, open or close a block, or start a comment, and so change the config's structure.
#
# @example
#   Gluster_vip::Keepalived::Word $router_id = 'gv-n1'
type Gluster_vip::Keepalived::Word = Pattern[/\A[\x21-\x7e&&[^"'\\{}#!]]{1,255}\z/]
