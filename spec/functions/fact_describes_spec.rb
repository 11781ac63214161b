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

  context 'with a fact of backend etcd' do
    let(:facts) do
      gluster_vip_fact('mode' => 'etcd', 'vip' => nil, 'backend' => 'etcd', 'node_name' => 'gv1', 'election' => '/gluster-vip/election',
                       'etcd_endpoints' => 'http://198.51.100.11:2379,http://198.51.100.12:2379')
    end
    let(:etcd) { { 'backend' => 'etcd', 'etcd_endpoints' => 'http://198.51.100.11:2379,http://198.51.100.12:2379' } }

    it { is_expected.to run.with_params(etcd).and_return(true) }
    it { is_expected.to run.with_params(etcd.merge('node_name' => 'gv1', 'etcd_prefix' => '/gluster-vip/election')).and_return(true) }
    it('not for another node name') { is_expected.to run.with_params(etcd.merge('node_name' => 'gv2')).and_return(false) }
    it('not for another election') { is_expected.to run.with_params(etcd.merge('etcd_prefix' => '/gv/c2')).and_return(false) }
    it('not for another etcd cluster') { is_expected.to run.with_params(etcd.merge('etcd_endpoints' => 'http://203.0.113.5:2379')).and_return(false) }
    it('not for a VRRP catalog') { is_expected.to run.with_params('vip' => '').and_return(false) }
    it { is_expected.to run.with_params('vip' => '203.0.113.10').and_return(false) }
  end

  context 'with a fact of backend vrrp and an etcd catalog' do
    let(:facts) { gluster_vip_fact('mode' => 'all', 'vip' => nil) }

    it { is_expected.to run.with_params('backend' => 'etcd').and_return(false) }
  end

  context 'with a fact of backend etcd whose config failed' do
    let(:facts) { gluster_vip_fact('mode' => 'unconfigured', 'vip' => nil, 'backend' => 'etcd') }

    it { is_expected.to run.with_params('backend' => 'etcd').and_return(false) }
  end
end
