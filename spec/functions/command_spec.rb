# frozen_string_literal: true

require 'spec_helper'

describe 'gluster_vip::command' do
  context 'with the fact' do
    let(:facts) { gluster_vip_fact('command' => '/opt/puppetlabs/puppet/cache/facts.d/.gluster_vip/gluster-vip-linux-arm64') }

    it { is_expected.to run.with_params.and_return('/opt/puppetlabs/puppet/cache/facts.d/.gluster_vip/gluster-vip-linux-arm64') }
  end

  context 'with a relative command in the fact' do
    let(:facts) { gluster_vip_fact('command' => 'gluster-vip') }

    it { is_expected.to run.with_params.and_return(%r{\A/.*/facts\.d/gluster_vip\z}) }
  end

  context 'without the fact' do
    it('falls back to the dispatcher where pluginsync puts it') { is_expected.to run.with_params.and_return(%r{\A/.*/facts\.d/gluster_vip\z}) }
  end
end
