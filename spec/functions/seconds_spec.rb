# frozen_string_literal: true

require 'spec_helper'

describe 'gluster_vip::seconds' do
  { '0' => 0.0, '0s' => 0.0, '5s' => 5.0, '300ms' => 0.3, '1m30s' => 90.0, '1.5h' => 5400.0, '.5s' => 0.5, '2.s' => 2.0,
    '1h1m1s1ms' => 3661.001, '250us' => 0.00025, '10ns' => 0.00000001 }.each do |duration, seconds|
    it("reads #{duration} as #{seconds}s") { expect(subject.execute(duration)).to be_within(1e-9).of(seconds) }
  end

  it { is_expected.to run.with_params('5').and_raise_error(ArgumentError) }
  it { is_expected.to run.with_params('5 s').and_raise_error(ArgumentError) }
end
