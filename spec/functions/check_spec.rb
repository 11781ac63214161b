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

  # Resolves Deferred('gluster_vip::check', args) as the agent does before it applies a catalog:
  # Puppet 7's resolve_and_replace (preprocess_deferred = true), or Puppet 8's default
  # (preprocess_deferred = false), which leaves a value that is resolved just before the resource.
  def deferred_check(args, facts: {}, preprocess: true)
    env = Puppet::Node::Environment.create(:gluster_vip_check, [File.expand_path('../fixtures/modules', __dir__)])
    catalog = Puppet::Resource::Catalog.new('n1', env)
    deferred = Puppet::Pops::Types::TypeFactory.deferred.create('gluster_vip::check', args)
    catalog.add_resource(Puppet::Resource.new(:file, '/srv/holder', parameters: { content: deferred }))
    Puppet.override(current_environment: env, loaders: Puppet::Pops::Loaders.new(env)) do
      Puppet::Pops::Evaluator::DeferredResolver.resolve_and_replace(Puppet::Node::Facts.new('n1', facts), catalog, env, preprocess)
      value = catalog.resource('File', '/srv/holder')[:content]
      value.is_a?(Puppet::Pops::Evaluator::DeferredValue) ? value.resolve : value
    end
  end

  around(:each) do |example|
    Dir.mktmpdir('gluster_vip-check') do |dir|
      @dir = dir
      example.run
    end
  end

  let(:dir) { @dir }

  describe 'called at compile time' do
    let(:compile_time) { %r{gluster_vip::check runs the gluster-vip binary, so it must run on the node that applies the catalog.*gluster_vip::holder\(\)} }

    it 'fails, and does not run the binary on the server' do
      bin = fake_binary(dir, 'holder', 0)
      is_expected.to run.with_params([], bin).and_raise_error(Puppet::ParseError, compile_time)
      expect(File.exist?("#{bin}.args")).to be(false)
    end

    it('fails without arguments too') { is_expected.to run.with_params.and_raise_error(Puppet::ParseError, compile_time) }

    it 'fails through call(Deferred(...)), which resolves with the catalog compiler' do
      bin = fake_binary(dir, 'holder', 0)
      env = Puppet::Node::Environment.create(:gluster_vip_check, [File.expand_path('../fixtures/modules', __dir__)])
      compiler = Puppet::Parser::Compiler.new(Puppet::Node.new('n1', environment: env))
      deferred = Puppet::Pops::Types::TypeFactory.deferred.create('gluster_vip::check', [[], bin])
      expect {
        Puppet.override(loaders: compiler.loaders) { Puppet::Pops::Evaluator::DeferredResolver.resolve(deferred, compiler) }
      }.to raise_error(compile_time)
      expect(File.exist?("#{bin}.args")).to be(false)
    end
  end

  [true, false].each do |preprocess|
    describe "resolved as Deferred on the agent (preprocess_deferred = #{preprocess})" do
      it('is true when check exits 0') { expect(deferred_check([[], fake_binary(dir, 'holder', 0)], preprocess: preprocess)).to be(true) }

      it 'is false when check exits 1 (not the holder)' do
        expect(deferred_check([[], fake_binary(dir, 'backup', 1, 'not on any up interface')], preprocess: preprocess)).to be(false)
      end

      it('is false when check exits 2 (an error)') { expect(deferred_check([[], fake_binary(dir, 'broken', 2, 'bad config')], preprocess: preprocess)).to be(false) }
    end
  end

  describe 'resolved as Deferred on the agent' do
    it 'is false when the binary does not exist' do
      expect(deferred_check([[], File.join(dir, 'missing')])).to be(false)
    end

    it 'passes check and the flags to the binary, unchanged' do
      bin = fake_binary(dir, 'args', 0)
      expect(deferred_check([['--vip=', '--mode=all', '--config=/srv/n1/gluster-vip.conf'], bin])).to be(true)
      expect(File.read("#{bin}.args").split("\n")).to eq(['check', '--vip=', '--mode=all', '--config=/srv/n1/gluster-vip.conf'])
    end

    it "runs the fact's command when no command is given" do
      bin = fake_binary(dir, 'from-fact', 0)
      expect(deferred_check([], facts: { 'gluster_vip' => { 'command' => bin } })).to be(true)
      expect(File.read(File.join(dir, 'from-fact.args'))).to eq("check\n")
    end

    it 'finds the dispatcher in pluginfactdest without a command nor a fact' do
      Puppet[:pluginfactdest] = dir
      fake_binary(dir, 'gluster_vip', 1)
      expect(deferred_check([])).to be(false)
      expect(File.read(File.join(dir, 'gluster_vip.args'))).to eq("check\n")
    end

    it "falls back to the module's own dispatcher (unconfigured here: exit 1, or exit 2 without a binary)" do
      Puppet[:pluginfactdest] = File.join(dir, 'empty')
      messages = []
      allow(Puppet).to receive(:info) { |m| messages << m }
      allow(Puppet).to receive(:warning) { |m| messages << m }
      expect(deferred_check([])).to be(false)
      expect(messages.grep(%r{not the holder})).not_to be_empty
      expect(messages.grep(%r{no gluster-vip binary found})).to be_empty
    end

    it('refuses a relative command') { expect { deferred_check([[], 'relative/gluster-vip']) }.to raise_error(ArgumentError) }
    it('refuses a String for the flags') { expect { deferred_check(['--vip=203.0.113.10']) }.to raise_error(ArgumentError) }
  end
end
