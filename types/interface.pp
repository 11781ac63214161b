# @summary A network interface name or label, such as `eth0`, `br-lan` or `eth0:1`.
#
# At most 15 printable ASCII characters, without `/` or `#` (the config file's comment mark).
type Gluster_vip::Interface = Pattern[/\A[\x21-\x7e&&[^\/#]]{1,15}\z/]
