# frozen_string_literal: true

require 'spec_helper'
require 'tmpdir'

# The example consumer as puppet-gluster users write it: one define per volume (issue 11, item 4).
describe 'gluster_volume_example::volume', type: :define do
  let(:pre_condition) { "class { 'gluster_vip': vip => '203.0.113.10' }" }
  let(:title) { 'gv0' }
  let(:bricks) { ['n1:/bricks/gv0', 'n2:/bricks/gv0', 'n3:/bricks/gv0'] }
  let(:params) { { replica: 3, bricks: bricks } }
  let(:facts) { gluster_vip_fact('holder' => true) }
  let(:cli) { ['/usr/sbin/gluster', '--mode=script'] }
  let(:check) { [gluster_vip_fact['gluster_vip']['command'], 'check', '--config=/etc/gluster-vip/gluster-vip.conf', '--vip=203.0.113.10'] }

  def exec_param(title, param)
    catalogue.resource('Exec', title)[param]
  end

  # Runs a guard command from the catalog with a stand-in gluster that prints `outputs[subcommand]`
  # (real gluster's output format) and exits 0. Returns true when the guard exits 0.
  def run_guard(argv, outputs, hostname = 'n1')
    Dir.mktmpdir('gv-guard') do |dir|
      fake = File.join(dir, 'gluster')
      outputs.each { |sub, text| File.write(File.join(dir, sub.tr(' ', '_')), text) }
      File.write(fake, <<~SH)
        #!/bin/sh
        [ "$1" = --mode=script ] && shift
        f="#{dir}/$1_$2"
        [ -f "$f" ] || { echo "fake gluster: no output for $*" >&2; exit 2; }
        cat "$f"
      SH
      File.write(File.join(dir, 'hostname'), "#!/bin/sh\necho #{hostname}\n")
      File.chmod(0o755, fake, File.join(dir, 'hostname'))
      cmd = argv.map { |a| a == '/usr/sbin/gluster' ? fake : a }
      system({ 'PATH' => "#{dir}:/usr/bin:/bin" }, *cmd, out: File::NULL, err: File::NULL)
    end
  end

  let(:peers_connected) do
    <<~OUT
      Number of Peers: 2

      Hostname: n2
      Uuid: 6b8e3c55-0e6a-4e8a-9f2b-5b0f3a7c0b11
      State: Peer in Cluster (Connected)

      Hostname: 198.51.100.3
      Uuid: 2f3c9a1e-4b7d-4c1e-8f0a-9d2e6b5c4a33
      State: Peer in Cluster (Connected)
      Other names:
      n3
    OUT
  end

  it { is_expected.to compile.with_all_deps }

  it 'creates the volume, guarded, with the peer check before the holder check (the holder check is last)' do
    is_expected.to contain_gluster_vip__exec('gluster volume create gv0').with(
      command: cli + ['volume', 'create', 'gv0', 'replica', '3'] + bricks,
      unless: [cli + ['volume', 'info', 'gv0']],
    )
    onlyif = exec_param('gluster volume create gv0', :onlyif)
    expect(onlyif[-1]).to eq(check)
    expect(onlyif[0][0, 2]).to eq(['/bin/sh', '-c'])
    expect(onlyif[0][3..]).to eq(['/usr/sbin/gluster', 'n1', 'n2', 'n3'])
  end

  it('starts it after it is created') { is_expected.to contain_exec('gluster volume start gv0').that_requires('Gluster_vip::Exec[gluster volume create gv0]') }
  it('starts it only once it exists (the create waits for peers)') { expect(exec_param('gluster volume start gv0', :onlyif)).to eq([cli + ['volume', 'info', 'gv0'], check]) }
  it { is_expected.not_to contain_exec(%r{gluster volume set}) }

  describe 'the peer check, run against gluster peer status' do
    let(:onlyif) { exec_param('gluster volume create gv0', :onlyif)[0] }

    it('passes when every other brick host is a connected peer (by name or other name)') { expect(run_guard(onlyif, 'peer status' => peers_connected)).to be(true) }
    it('fails when a peer is disconnected') { expect(run_guard(onlyif, 'peer status' => peers_connected.sub('(Connected)', '(Disconnected)'))).to be(false) }
    it('fails when a brick host is not a peer at all') { expect(run_guard(onlyif, 'peer status' => peers_connected.sub('n3', 'n9'))).to be(false) }
    it('fails when this node is not a brick host and not a peer') { expect(run_guard(onlyif, { 'peer status' => peers_connected }, 'n7')).to be(false) }
    it('fails when gluster peer status fails') { expect(run_guard(onlyif, {})).to be(false) }
    it('passes on a one-node pool') { expect(run_guard(onlyif[0, 4] + ['n1'], 'peer status' => "Number of Peers: 0\n")).to be(true) }
  end

  context 'with options, force and rdma' do
    let(:params) { { bricks: bricks, force: true, transport: 'tcp,rdma', options: { 'performance.cache-size' => '256MB', 'nfs.disable' => true } } }
    let(:set) { 'gluster volume set gv0 performance.cache-size' }

    it { is_expected.to compile.with_all_deps }
    it { is_expected.to contain_gluster_vip__exec('gluster volume create gv0').with_command(cli + ['volume', 'create', 'gv0', 'transport', 'tcp,rdma'] + bricks + ['force']) }
    it { is_expected.to contain_gluster_vip__exec(set).with_command(cli + ['volume', 'set', 'gv0', 'performance.cache-size', '256MB']).that_requires('Gluster_vip::Exec[gluster volume create gv0]') }
    it { is_expected.to contain_gluster_vip__exec('gluster volume set gv0 nfs.disable').with_command(cli + ['volume', 'set', 'gv0', 'nfs.disable', 'true']) }
    it('guards each set with the volume existing, then the holder check') { expect(exec_param(set, :onlyif)).to eq([cli + ['volume', 'info', 'gv0'], check]) }
    it('starts after every set') { is_expected.to contain_exec('gluster volume start gv0').that_requires("Gluster_vip::Exec[#{set}]") }

    describe 'the set guard, run against gluster volume get' do
      let(:unless_cmd) { exec_param(set, :unless)[0] }
      let(:get) { "Option                                   Value                                   \n------                                   -----                                   \n" }

      it('skips the set when the value is there') { expect(run_guard(unless_cmd, 'volume get' => "#{get}performance.cache-size                   256MB                                   \n")).to be(true) }
      it('sets when the value differs') { expect(run_guard(unless_cmd, 'volume get' => "#{get}performance.cache-size                   32MB\n")).to be(false) }
      it('sets when volume get fails') { expect(run_guard(unless_cmd, {})).to be(false) }
    end
  end

  context 'with check_peers => false and start => false' do
    let(:params) { { bricks: ['n1:/bricks/gv0'], check_peers: false, start: false } }

    it { expect(exec_param('gluster volume create gv0', :onlyif)).to eq([check]) }
    it { is_expected.not_to contain_gluster_vip__exec('gluster volume start gv0') }
  end

  context 'on a node whose fact says it does not hold' do
    let(:facts) { gluster_vip_fact('holder' => false) }
    let(:params) { { bricks: bricks, options: { 'nfs.disable' => 'on' } } }

    it { is_expected.to compile.with_all_deps }
    it { is_expected.not_to contain_exec(%r{\Agluster volume}) }
  end

  context 'with two volumes on one node' do
    let(:pre_condition) { "class { 'gluster_vip': vip => '203.0.113.10' } gluster_volume_example::volume { 'gv1': bricks => ['n1:/bricks/gv1'] }" }

    it { is_expected.to contain_exec('gluster volume create gv1') }
    it { is_expected.to contain_exec('gluster volume create gv0') }
  end

  {
    'a title that is not a volume name' => [{ title: 'gv 0' }, %r{'gv 0' is not a volume name}],
    'a brick without a path' => [{ params: { bricks: ['n1'] } }, %r{bricks}],
    'a brick with a space' => [{ params: { bricks: ['n1:/bricks/g v'] } }, %r{bricks}],
    'an option value with a space' => [{ params: { bricks: ['n1:/b'], options: { 'auth.allow' => '1 2' } } }, %r{options}],
    'an option key with a quote' => [{ params: { bricks: ['n1:/b'], options: { "a'b" => 'on' } } }, %r{options}],
  }.each do |what, (override, error)|
    context "with #{what}" do
      let(:title) { override.fetch(:title, 'gv0') }
      let(:params) { override.fetch(:params, { bricks: bricks }) }

      it { is_expected.to compile.and_raise_error(error) }
    end
  end
end
