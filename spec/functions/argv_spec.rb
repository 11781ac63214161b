# frozen_string_literal: true

require 'spec_helper'

describe 'gluster_vip::argv' do
  it('runs a string through /bin/sh -c') { is_expected.to run.with_params('a && b', false).and_return(['/bin/sh', '-c', 'a && b']) }
  it('runs a string through /bin/sh -c under shell too') { is_expected.to run.with_params('a && b', true).and_return(['/bin/sh', '-c', 'a && b']) }
  it('defaults to posix') { is_expected.to run.with_params(['gluster', 'volume', 'info']).and_return(['gluster', 'volume', 'info']) }
  it('runs an array as it is under posix') { is_expected.to run.with_params(['echo', 'a; b'], false).and_return(['echo', 'a; b']) }

  it 'runs an array under shell as Puppet\'s shell provider does: the first element is the script, the rest $0 $1 ...' do
    is_expected.to run.with_params(['echo "$0"', 'x'], true).and_return(['/bin/sh', '-c', 'echo "$0"', 'x'])
  end

  it { is_expected.to run.with_params('', false).and_raise_error(ArgumentError) }
  it { is_expected.to run.with_params([], false).and_raise_error(ArgumentError) }
  it { is_expected.to run.with_params(['echo', ''], false).and_raise_error(ArgumentError) }
end
