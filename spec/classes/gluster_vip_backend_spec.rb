# frozen_string_literal: true

require 'spec_helper'

describe 'gluster_vip' do
  let(:config) { '/etc/gluster-vip/gluster-vip.conf' }
  let(:eps) { ['http://198.51.100.11:2379', 'https://[2001:db8::1]:2379'] }

  def lines
    catalogue.resource('File', config)[:content].lines.reject { |l| l.start_with?('#') }
  end

  context 'with backend etcd and every etcd parameter' do
    let(:params) do
      { backend: 'etcd', etcd_endpoints: eps, node_name: 'gv1', lease_ttl: '10s', settle: '5s', etcd_prefix: '/gv/c1',
        etcd_ca: '/etc/gv/ca.pem', etcd_cert: '/etc/gv/c.pem', etcd_key: '/etc/gv/k.pem', elect_socket: '/run/gv/e.sock' }
    end

    it { is_expected.to compile.with_all_deps }
    it 'writes the etcd keys in the binary\'s order, and no vip' do
      expect(lines).to eq(["settle = 5s\n", "backend = etcd\n", "etcd_endpoints = #{eps.join(',')}\n", "node_name = gv1\n", "lease_ttl = 10s\n",
                           "etcd_prefix = /gv/c1\n", "etcd_ca = /etc/gv/ca.pem\n", "etcd_cert = /etc/gv/c.pem\n", "etcd_key = /etc/gv/k.pem\n",
                           "elect_socket = /run/gv/e.sock\n"])
    end
  end

  context 'with backend etcd and only endpoints' do
    let(:params) { { backend: 'etcd', etcd_endpoints: eps } }

    it { expect(lines).to eq(["backend = etcd\n", "etcd_endpoints = #{eps.join(',')}\n"]) }
  end

  context 'with backend vrrp (the default)' do
    let(:params) { { vip: '203.0.113.10' } }

    it('writes no backend key') { expect(lines).to eq(["vip = 203.0.113.10\n"]) }
  end

  context 'with backend etcd beside gluster_vip::keepalived' do
    let(:params) { { backend: 'etcd', etcd_endpoints: eps } }
    let(:pre_condition) { "class { 'gluster_vip::keepalived': vip => '198.51.100.10', nodes => ['gv1'], node_name => 'gv1', virtual_router_id => 7 }" }

    it('does not wire keepalived\'s pidfile into an etcd config') { expect(lines).to eq(["backend = etcd\n", "etcd_endpoints = #{eps.join(',')}\n"]) }
  end

  {
    { backend: 'etcd' } => %r{backend etcd needs etcd_endpoints},
    { backend: 'etcd', etcd_endpoints: ['http://198.51.100.11:2379'], vip: '203.0.113.10' } => %r{gluster_vip: vip: only for backend vrrp, but backend is etcd},
    { backend: 'etcd', etcd_endpoints: ['http://198.51.100.11:2379'], vip: '', probe: '0s' } => %r{gluster_vip: vip, probe: only for backend vrrp},
    { backend: 'etcd', etcd_endpoints: ['http://198.51.100.11:2379'], keepalived_pidfile: '' } => %r{keepalived_pidfile: only for backend vrrp},
    { backend: 'etcd', etcd_endpoints: ['http://198.51.100.11:2379'], etcd_key: '/k.pem' } => %r{etcd_cert and etcd_key go together},
    { backend: 'etcd', etcd_endpoints: ['http://198.51.100.11:2379'], lease_ttl: '1s' } => %r{lease_ttl '1s': want whole seconds from 2s to 5m},
    { backend: 'etcd', etcd_endpoints: ['http://198.51.100.11:2379'], lease_ttl: '2500ms' } => %r{lease_ttl '2500ms': want whole seconds},
    { backend: 'etcd', etcd_endpoints: ['http://198.51.100.11:2379'], lease_ttl: '6m' } => %r{lease_ttl '6m': want whole seconds},
    { backend: 'etcd', etcd_endpoints: ['198.51.100.11:2379'] } => %r{etcd_endpoints},
    { backend: 'etcd', etcd_endpoints: ['http://198.51.100.11:2379/v3'] } => %r{etcd_endpoints},
    { backend: 'etcd', etcd_endpoints: ['http://198.51.100.11:2379,http://198.51.100.12:2379'] } => %r{etcd_endpoints},
    { backend: 'etcd', etcd_endpoints: ['http://198.51.100.11:2379'], node_name: 'a b' } => %r{node_name},
    { backend: 'etcd', etcd_endpoints: ['http://198.51.100.11:2379'], etcd_prefix: '/' } => %r{etcd_prefix},
    { backend: 'raft', vip: '203.0.113.10' } => %r{backend},
    { vip: '203.0.113.10', lease_ttl: '10s' } => %r{gluster_vip: lease_ttl: only for backend etcd, but backend is vrrp},
    { vip: '203.0.113.10', etcd_endpoints: ['http://198.51.100.11:2379'] } => %r{etcd_endpoints: only for backend etcd},
    {} => %r{backend vrrp needs a vip},
    { backend: 'etcd', etcd_endpoints: ['http://198.51.100.11:2379'], etcd_ca: "/etc/gv/ca.pem\rbackend = vrrp" } =>
      %r{gluster_vip: etcd_ca "/etc/gv/ca.pem\\rbackend = vrrp" holds a control character},
    { vip: '203.0.113.10', keepalived_pidfile: "/run/k.pid\tprobe" } => %r{gluster_vip: keepalived_pidfile "/run/k.pid\\tprobe" holds a control character},
  }.each do |p, err|
    context "with #{p}" do
      let(:params) { p }

      it { is_expected.to compile.and_raise_error(err) }
    end
  end

  context 'with backend etcd, on the leader still settling' do
    let(:params) { { backend: 'etcd', etcd_endpoints: eps } }
    let(:facts) do
      DEBIAN12_FACTS.merge(gluster_vip_fact('holder' => false, 'mode' => 'etcd', 'vip' => nil, 'backend' => 'etcd', 'token' => 7,
                                            'checks' => [{ 'name' => 'leader', 'ok' => true, 'detail' => 'confirmed' },
                                                         { 'name' => 'settle', 'ok' => false, 'detail' => 'leader for 2s, less than settle 5s' }]))
    end

    it 'warns that the leader runs nothing yet, and why' do
      is_expected.to contain_notify('gluster_vip: a check stops this node').with(
        loglevel: 'warning',
        message: 'gluster_vip: this node leads the etcd election (token 7) but runs no guarded operation: the settle check stops it: leader for 2s, less than settle 5s',
      )
    end
  end

  context 'with backend etcd, on a follower' do
    let(:params) { { backend: 'etcd', etcd_endpoints: eps } }
    let(:facts) do
      DEBIAN12_FACTS.merge(gluster_vip_fact('holder' => false, 'mode' => 'etcd', 'vip' => nil, 'backend' => 'etcd',
                                            'checks' => [{ 'name' => 'leader', 'ok' => false, 'detail' => 'not the leader' }]))
    end

    it('warns of nothing') { is_expected.not_to contain_notify('gluster_vip: a check stops this node') }
  end
end

