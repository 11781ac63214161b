# frozen_string_literal: true

require 'spec_helper'

describe 'Gluster_vip::Mode' do
  %w[vip master all].each do |value|
    it { is_expected.to allow_value(value) }
  end
  ['unconfigured', 'VIP', '', 'any', nil].each do |value|
    it { is_expected.not_to allow_value(value) }
  end
end
