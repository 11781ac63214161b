# frozen_string_literal: true

require 'spec_helper'

describe 'gluster_vip::probes_on' do
  it('is on without a probe setting (the binary default, 200ms)') { is_expected.to run.with_params('vip' => '203.0.113.10').and_return(true) }

  ['0', '0s', '0ms', '0ns', '0us', '0.0s', '.0s', '00s', '0h0m0s'].each do |zero|
    it("is off with probe #{zero}") { is_expected.to run.with_params('vip' => '203.0.113.10', 'probe' => zero).and_return(false) }
  end

  ['1ns', '200ms', '0.5s', '1m', '0s1ms'].each do |budget|
    it("is on with probe #{budget}") { is_expected.to run.with_params('vip' => '203.0.113.10', 'probe' => budget).and_return(true) }
  end
end
