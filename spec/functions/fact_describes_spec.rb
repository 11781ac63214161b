# frozen_string_literal: true

require 'spec_helper'

describe 'gluster_vip::fact_describes' do
  context 'without the fact' do
    it { is_expected.to run.with_params('vip' => '203.0.113.10').and_return(false) }
  end

  context 'with a fact in mode vip' do
    let(:facts) { gluster_vip_fact('mode' => 'vip', 'vip' => '2001:db8::a') }

    it { is_expected.to run.with_params('vip' => '2001:db8::a').and_return(true) }
    it('ignores the case of an IPv6 address') { is_expected.to run.with_params('vip' => '2001:DB8::A').and_return(true) }
    it { is_expected.to run.with_params('vip' => '2001:db8::a', 'mode' => 'vip').and_return(true) }
    it { is_expected.to run.with_params('vip' => '2001:db8::a', 'mode' => 'master').and_return(false) }
    it { is_expected.to run.with_params('vip' => '2001:db8::b').and_return(false) }
    it { is_expected.to run.with_params('vip' => '').and_return(false) }
  end

  context 'with an unconfigured fact' do
    let(:facts) { gluster_vip_fact('mode' => 'unconfigured', 'vip' => nil) }

    it { is_expected.to run.with_params('vip' => '').and_return(false) }
    it { is_expected.to run.with_params('vip' => '203.0.113.10').and_return(false) }
  end

  context 'with a fact in mode all' do
    let(:facts) { gluster_vip_fact('mode' => 'all', 'vip' => nil) }

    it { is_expected.to run.with_params('vip' => '').and_return(true) }
    it { is_expected.to run.with_params('vip' => '', 'mode' => 'all').and_return(true) }
  end
end
