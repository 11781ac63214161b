# frozen_string_literal: true

# The facts.d/gluster_vip dispatcher, run as Facter runs it: by path, with LC_ALL=C. A fake
# `uname` first on PATH picks the architecture. Runs under `rake spec` (no root needed).

require 'json'
require 'open3'
require 'tmpdir'
require 'fileutils'

describe 'facts.d/gluster_vip' do
  let(:source) { File.expand_path('../../facts.d/gluster_vip', __dir__) }

  around(:each) do |example|
    Dir.mktmpdir('gluster_vip dispatcher') do |dir| # a space in the path, on purpose
      @dir = dir
      example.run
    end
  end

  # A copy of the module's facts.d, with a fake uname and, optionally, fake binaries.
  def install(machine, binaries: [])
    facts_d = File.join(@dir, 'facts.d')
    FileUtils.mkdir_p(File.join(facts_d, '.gluster_vip'))
    FileUtils.cp(source, facts_d, preserve: true)
    binaries.each do |arch|
      bin = File.join(facts_d, '.gluster_vip', "gluster-vip-linux-#{arch}")
      File.write(bin, "#!/bin/sh\necho \"#{arch} $# $*\"\nexit 7\n")
      File.chmod(0o755, bin)
    end
    fake = File.join(@dir, 'bin')
    FileUtils.mkdir_p(fake)
    File.write(File.join(fake, 'uname'), "#!/bin/sh\nprintf '%s\\n' '#{machine}'\n")
    File.chmod(0o755, File.join(fake, 'uname'))
    File.join(facts_d, 'gluster_vip')
  end

  def run(path, *args, chdir: @dir)
    env = { 'PATH' => "#{File.join(@dir, 'bin')}:/usr/bin:/bin", 'LC_ALL' => 'C' }
    Open3.capture3(env, path, *args, chdir: chdir, unsetenv_others: true)
  end

  it 'is committed executable' do
    expect(File.executable?(source)).to be(true)
    expect(`git -C #{File.dirname(source)} ls-files -s gluster_vip`.split.first).to eq('100755')
  end

  it 'is POSIX sh' do
    expect(File.read(source).lines.first).to eq("#!/bin/sh\n")
    _out, err, status = Open3.capture3('sh', '-n', source)
    expect([status.success?, err]).to eq([true, ''])
  end

  { 'x86_64' => 'amd64', 'amd64' => 'amd64', 'aarch64' => 'arm64', 'arm64' => 'arm64' }.each do |machine, arch|
    it "execs the #{arch} binary on #{machine}, with the arguments and exit code untouched" do
      path = install(machine, binaries: %w[amd64 arm64])
      out, _err, status = run(path, 'check', '--vip=', '--mode=all')
      expect([out, status.exitstatus]).to eq(["#{arch} 3 check --vip= --mode=all\n", 7])
    end
  end

  it 'finds the binary relative to itself when run by a relative path' do
    path = install('x86_64', binaries: %w[amd64])
    out, _err, _status = run('./gluster_vip', chdir: File.dirname(path))
    expect(out).to eq("amd64 0 \n")
  end

  context 'on an architecture without a binary' do
    let(:path) { install('riscv64', binaries: %w[amd64 arm64]) }

    it 'prints valid JSON: holder false, unconfigured, the error, and exits 0' do
      out, err, status = run(path)
      fact = JSON.parse(out)
      expect(status.exitstatus).to eq(0)
      expect(err).to eq('')
      expect(fact['gluster_vip_holder']).to be(false)
      expect(fact['gluster_vip']).to include('holder' => false, 'mode' => 'unconfigured', 'conflict' => false,
                                             'error' => 'no gluster-vip binary for architecture riscv64')
      expect(fact['gluster_vip'].keys).to include('vip', 'interface', 'reason', 'held_for', 'command', 'version')
    end

    it 'names itself as the command, so that `check` on it exits 2' do
      out, = run(path)
      expect(JSON.parse(out)['gluster_vip']['command']).to eq(File.realpath(path))
    end

    it 'exits 125 for run, without running the command' do
      Dir.mktmpdir('gv-disp') do |dir|
        marker = File.join(dir, 'ran')
        out, err, status = run(path, 'run', '--vip=', '--', 'touch', marker)
        expect([out, status.exitstatus, File.exist?(marker)]).to eq(['', 125, false])
        expect(err).to eq("gluster-vip run: error, did not run: no gluster-vip binary for architecture riscv64\n")
      end
    end

    [['--vip=', 'check'], ['--', 'check'], ['--bogus', 'check']].each do |args|
      it "prints the fact but exits 2 for #{args.join(' ')}: never a decision to run" do
        out, _err, status = run(path, *args)
        expect(JSON.parse(out)['gluster_vip_holder']).to be(false)
        expect(status.exitstatus).to eq(2)
      end
    end

    %w[check explain version help].each do |sub|
      it "exits 2 for #{sub}, with the reason on stderr" do
        out, err, status = run(path, sub, '--vip=203.0.113.10')
        expect([out, status.exitstatus]).to eq(['', 2])
        expect(err).to eq("gluster-vip: no gluster-vip binary for architecture riscv64\n")
      end
    end
  end

  it 'says which file is missing on a known architecture without its binary, and how to get it' do
    path = install('aarch64')
    out, _err, status = run(path)
    expect(status.exitstatus).to eq(0)
    expect(JSON.parse(out)['gluster_vip']['error']).to match(
      %r{\Ano gluster-vip binary for architecture aarch64 \(missing /.*/\.gluster_vip/gluster-vip-linux-arm64\): deploy the module's release tarball, which carries the binaries, or run `rake build` in a checkout of the module\z},
    )
  end

  it 'says the binary is not executable when its mode was lost' do
    path = install('x86_64', binaries: %w[amd64])
    bin = File.join(File.dirname(path), '.gluster_vip', 'gluster-vip-linux-amd64')
    File.chmod(0o644, bin)
    out, = run(path)
    expect(JSON.parse(out)['gluster_vip']['error']).to eq(
      "gluster-vip binary #{File.realpath(bin)} is not executable: deploy facts.d with its file modes kept",
    )
  end

  # What an r10k (or any) git deploy of the module gets: the files git tracks (as this work tree
  # has them), so the dispatcher and no binary, whatever else the work tree holds.
  context 'in a git deploy (the tracked files only, no built binaries)' do
    let(:deployed) do
      dest = File.join(@dir, 'environment', 'modules', 'gluster_vip')
      repo = File.expand_path('../..', __dir__)
      tracked, status = Open3.capture2('git', '-C', repo, 'ls-files', '-z', 'facts.d')
      raise "git ls-files in #{repo} failed" unless status.success?

      tracked.split("\0").each do |f|
        FileUtils.mkdir_p(File.join(dest, File.dirname(f)))
        FileUtils.cp(File.join(repo, f), File.join(dest, f), preserve: true)
      end
      File.join(dest, 'facts.d', 'gluster_vip')
    end

    it 'has no binary' do
      expect(Dir[File.join(File.dirname(deployed), '.gluster_vip', '*')]).to eq([])
    end

    it 'prints valid JSON with holder false, naming the missing binary, the release tarball and rake build' do
      out, err, status = run(deployed)
      fact = JSON.parse(out)
      expect([status.exitstatus, err]).to eq([0, ''])
      expect(fact['gluster_vip_holder']).to be(false)
      expect(fact['gluster_vip']).to include('holder' => false, 'mode' => 'unconfigured', 'version' => nil)
      expect(fact['gluster_vip']['error']).to include('missing ', '/facts.d/.gluster_vip/gluster-vip-linux-',
                                                      'release tarball', '`rake build`')
      expect(fact['gluster_vip']['reason']).to eq(fact['gluster_vip']['error'])
    end

    it 'never lets a guarded operation run: check exits 2 with the same message' do
      out, err, status = run(deployed, 'check', '--vip=', '--mode=all')
      expect([out, status.exitstatus]).to eq(['', 2])
      expect(err).to match(%r{\Agluster-vip: no gluster-vip binary for architecture .*release tarball.*`rake build`.*\n\z})
    end
  end

  it 'escapes what it quotes, so the JSON stays valid' do
    path = install('we"ird\\arch')
    out, = run(path)
    expect(JSON.parse(out)['gluster_vip']['error']).to eq('no gluster-vip binary for architecture we"ird\\arch')
  end

  it 'skips a binary that is not executable' do
    path = install('x86_64', binaries: %w[amd64])
    File.chmod(0o644, File.join(File.dirname(path), '.gluster_vip', 'gluster-vip-linux-amd64'))
    out, _err, status = run(path)
    expect(status.exitstatus).to eq(0)
    expect(JSON.parse(out)['gluster_vip_holder']).to be(false)
  end
end
