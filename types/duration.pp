# @summary A Go duration, as the gluster-vip binary parses it: `5s`, `300ms`, `1m30s`; `0s` or `0` turns a wait off.
#
# @example
#   Gluster_vip::Duration $settle = '5s'
type Gluster_vip::Duration = Pattern[/\A(0|((\d+(\.\d*)?|\.\d+)(ns|us|ms|s|m|h))+)\z/]
