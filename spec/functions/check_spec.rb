# frozen_string_literal: true

require 'spec_helper'

describe 'gluster_vip::check' do
  # A stand-in for the gluster-vip binary: records its arguments and exits as told.
  def fake_binary(dir, name, exit_code, stderr = '')
    path = File.join(dir, name)
    File.write(path, <<~SH)
      #!/bin/sh
      printf '%s\\n' "$@" > "#{dir}/#{name}.args"
      printf '%s' '#{stderr}' >&2
      exit #{exit_code}
    SH
    File.chmod(0o755, path)
    path
  end

  around(:each) do |example|
    Dir.mktmpdir('gluster_vip-check') do |dir|
      @dir = dir
      example.run
    end
  end

  let(:dir) { @dir }

  it 'is true when check exits 0' do
    is_expected.to run.with_params([], fake_binary(dir, 'holder', 0)).and_return(true)
  end

  it 'is false when check exits 1 (not the holder)' do
    is_expected.to run.with_params([], fake_binary(dir, 'backup', 1, 'not on any up interface')).and_return(false)
  end

  it 'is false when check exits 2 (an error)' do
    is_expected.to run.with_params([], fake_binary(dir, 'broken', 2, 'bad config')).and_return(false)
  end

  it 'is false when the binary does not exist' do
    is_expected.to run.with_params([], File.join(dir, 'missing')).and_return(false)
  end

  it 'passes check and the flags to the binary, unchanged' do
    bin = fake_binary(dir, 'args', 0)
    is_expected.to run.with_params(['--vip=', '--mode=all', '--config=/srv/n1/gluster-vip.conf'], bin).and_return(true)
    expect(File.read("#{bin}.args").split("\n")).to eq(['check', '--vip=', '--mode=all', '--config=/srv/n1/gluster-vip.conf'])
  end

  context 'without a command' do
    let(:facts) { { 'gluster_vip' => { 'command' => fake_binary(dir, 'from-fact', 0) } } }

    it "runs the fact's command" do
      is_expected.to run.with_params.and_return(true)
      expect(File.read(File.join(dir, 'from-fact.args'))).to eq("check\n")
    end
  end

  context 'without a command nor a fact' do
    it 'finds the dispatcher in pluginfactdest' do
      Puppet[:pluginfactdest] = dir
      fake_binary(dir, 'gluster_vip', 1)
      is_expected.to run.with_params.and_return(false)
      expect(File.read(File.join(dir, 'gluster_vip.args'))).to eq("check\n")
    end

    it "falls back to the module's own dispatcher (unconfigured here: exit 1, or exit 2 without a binary)" do
      Puppet[:pluginfactdest] = File.join(dir, 'empty')
      messages = []
      allow(Puppet).to receive(:info) { |m| messages << m }
      allow(Puppet).to receive(:warning) { |m| messages << m }
      is_expected.to run.with_params.and_return(false)
      expect(messages.grep(%r{not the holder})).not_to be_empty
      expect(messages.grep(%r{no gluster-vip binary found})).to be_empty
    end
  end

  it { is_expected.to run.with_params([], 'relative/gluster-vip').and_raise_error(ArgumentError) }
  it { is_expected.to run.with_params('--vip=203.0.113.10').and_raise_error(ArgumentError) }
end
