# frozen_string_literal: true

require 'spec_helper'

describe 'gluster_vip::holder' do
  context 'without the fact' do
    it { is_expected.to run.with_params.and_return(false) }
  end

  context 'when the fact says holder' do
    let(:facts) { gluster_vip_fact('holder' => true) }

    it { is_expected.to run.with_params.and_return(true) }
  end

  context 'when the fact says not holder' do
    let(:facts) { gluster_vip_fact('holder' => false) }

    it { is_expected.to run.with_params.and_return(false) }
  end

  context 'when the holder fact is the String "true" (a key=value fact)' do
    let(:facts) { gluster_vip_fact('holder' => 'true') }

    it('is not fooled: only the Boolean true counts') { is_expected.to run.with_params.and_return(false) }
  end

  context 'on a node that is unconfigured' do
    let(:facts) { gluster_vip_fact('holder' => true, 'mode' => 'unconfigured', 'vip' => nil) }

    it { is_expected.to run.with_params.and_return(false) }
  end

  context 'in mode all' do
    let(:facts) { gluster_vip_fact('holder' => true, 'mode' => 'all', 'vip' => nil) }

    it { is_expected.to run.with_params.and_return(true) }
  end

  context 'after class gluster_vip' do
    let(:facts) { gluster_vip_fact('holder' => true) }

    context 'with the vip the fact describes' do
      let(:pre_condition) { "class { 'gluster_vip': vip => '203.0.113.10' }" }

      it { is_expected.to run.with_params.and_return(true) }
    end

    context 'on the run that moves the VIP' do
      let(:pre_condition) { "class { 'gluster_vip': vip => '203.0.113.20' }" }

      it('does not trust the stale fact') { is_expected.to run.with_params.and_return(false) }
    end

    context 'on the run that switches to mode master' do
      let(:pre_condition) { "class { 'gluster_vip': vip => '203.0.113.10', mode => 'master' }" }

      it { is_expected.to run.with_params.and_return(false) }
    end
  end

  it { is_expected.to run.with_params('extra').and_raise_error(ArgumentError) }
end
