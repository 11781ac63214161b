# frozen_string_literal: true

require 'spec_helper'

describe 'gluster_vip::holder' do
  let(:pre_condition) { "class { 'gluster_vip': vip => '203.0.113.10' }" }

  # A holder's fact as the binary reports it, with the probes at their default (on): the conflict
  # check passed.
  def holder_fact(overrides = {})
    gluster_vip_fact({ 'holder' => true, 'interface' => 'eth0', 'held_for' => 12.34,
                       'checks' => [{ 'name' => 'config', 'ok' => true }, { 'name' => 'conflict', 'ok' => true }] }.merge(overrides))
  end

  context 'before class gluster_vip is declared' do
    let(:pre_condition) { '' }
    let(:facts) { holder_fact }

    it 'fails, rather than trust a fact that may describe another VIP' do
      is_expected.to run.with_params.and_raise_error(%r{gluster_vip::holder\(\): class gluster_vip is not declared yet.*include gluster_vip})
    end
  end

  context 'when the class is declared after the call' do
    let(:pre_condition) { "notice(gluster_vip::holder())\nclass { 'gluster_vip': vip => '203.0.113.20' }" }
    let(:facts) { holder_fact }

    # The error comes from the manifest's own call, while rspec-puppet compiles pre_condition.
    it('fails the compilation, whatever the fact says') { expect { subject }.to raise_error(Puppet::Error, %r{gluster_vip::holder\(\): class gluster_vip is not declared yet}) }
  end

  context 'without the fact' do
    it { is_expected.to run.with_params.and_return(false) }
  end

  context 'when the fact says holder, for the vip the class writes' do
    let(:facts) { holder_fact }

    it { is_expected.to run.with_params.and_return(true) }
  end

  context 'when the fact says not holder' do
    let(:facts) { gluster_vip_fact('holder' => false) }

    it { is_expected.to run.with_params.and_return(false) }
  end

  context 'when the holder fact is the String "true" (a key=value fact)' do
    let(:facts) { holder_fact('holder' => 'true') }

    it('is not fooled: only the Boolean true counts') { is_expected.to run.with_params.and_return(false) }
  end

  context "when gluster_vip_holder is true but the structured fact's holder is not" do
    let(:facts) { holder_fact('holder' => false).merge('gluster_vip_holder' => true) }

    it { is_expected.to run.with_params.and_return(false) }
  end

  context 'on a node that is unconfigured' do
    let(:facts) { holder_fact('mode' => 'unconfigured', 'vip' => nil) }

    it { is_expected.to run.with_params.and_return(false) }
  end

  context 'in mode all' do
    let(:pre_condition) { "class { 'gluster_vip': vip => '' }" }
    let(:facts) { holder_fact('mode' => 'all', 'vip' => nil, 'checks' => []) }

    it { is_expected.to run.with_params.and_return(true) }
  end

  context 'on the run that moves the VIP' do
    let(:pre_condition) { "class { 'gluster_vip': vip => '203.0.113.20' }" }
    let(:facts) { holder_fact }

    it('does not trust the stale fact') { is_expected.to run.with_params.and_return(false) }
  end

  context 'on the run that switches to mode master' do
    let(:pre_condition) { "class { 'gluster_vip': vip => '203.0.113.10', mode => 'master' }" }
    let(:facts) { holder_fact }

    it { is_expected.to run.with_params.and_return(false) }
  end

  context 'on the run that switches to mode all' do
    let(:pre_condition) { "class { 'gluster_vip': vip => '' }" }
    let(:facts) { holder_fact }

    it { is_expected.to run.with_params.and_return(false) }
  end

  context 'when the fact was decided without the conflict probe that this catalog turns on' do
    let(:facts) { holder_fact('checks' => [{ 'name' => 'probe', 'ok' => true }]) }

    it('does not trust it') { is_expected.to run.with_params.and_return(false) }
  end

  context 'when the catalog raises settle above how long the fact saw the VIP held' do
    let(:pre_condition) { "class { 'gluster_vip': vip => '203.0.113.10', settle => '1m' }" }
    let(:facts) { holder_fact }

    it { is_expected.to run.with_params.and_return(false) }
  end

  it { is_expected.to run.with_params('extra').and_raise_error(ArgumentError) }

  context 'with backend etcd' do
    let(:etcd) { "class { 'gluster_vip': backend => 'etcd', etcd_endpoints => ['http://198.51.100.11:2379']" }
    let(:etcd_fact) { { 'holder' => true, 'mode' => 'etcd', 'vip' => nil, 'backend' => 'etcd', 'node_name' => 'gv1', 'held_for' => 12.0,
                        'election' => '/gluster-vip/election', 'etcd_endpoints' => 'http://198.51.100.11:2379' } }

    # [catalog's extra parameters, the fact (nil: a VRRP holder's), expected]
    {
      'on the leader' => ['', {}, true],
      'with a VRRP holder fact (the run that switches backends)' => ['', nil, false],
      'with a leader that settled less than the catalog asks' => [", settle => '30s'", {}, false],
      'with a leader of another node_name' => [", node_name => 'gv2'", {}, false],
      'with a leader in the election the catalog leaves' => [", etcd_prefix => '/gv/c2'", {}, false],
    }.each do |name, (extra, fact, want)|
      context name do
        let(:pre_condition) { "#{etcd}#{extra} }" }
        let(:facts) { fact.nil? ? holder_fact : gluster_vip_fact(etcd_fact.merge(fact)) }

        it { is_expected.to run.with_params.and_return(want) }
      end
    end
  end
end
