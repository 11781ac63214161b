# frozen_string_literal: true

require 'spec_helper'

describe 'Gluster_vip::Duration' do
  %w[0 0s 5s 300ms 1m30s 1.5s .5s 2h 100us 10ns].each do |value|
    it { is_expected.to allow_value(value) }
  end
  ['', '5', '5 s', '-1s', '5sec', 's', '1d', 5, nil].each do |value|
    it { is_expected.not_to allow_value(value) }
  end
end
