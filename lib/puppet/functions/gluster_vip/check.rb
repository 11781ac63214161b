# frozen_string_literal: true

require 'open3'

# @summary Asks the gluster-vip binary on the agent, at apply time, whether this node should run guarded operations.
#
# The agent-side twin of `gluster_vip::holder()`, for `Deferred`: the catalog carries the call,
# and the agent runs `<binary> check [flags]` when it applies the catalog, long after its facts
# were collected. The decision stays in the binary; this only runs it and maps its exit code:
# 0 is `true`, 1 (not the holder) and 2 (error) are `false`. So is a binary that can't be found,
# can't be run, or takes more than 30 seconds.
#
# Puppet 7 resolves `Deferred` values when the agent starts to apply the catalog (or just before
# the resource that uses them, with `preprocess_deferred = false`, Puppet 8's default). For a
# check right before a command, use `gluster_vip::exec`.
#
# It runs only where `Deferred` values are resolved, on the node that applies the catalog (Puppet's
# script compiler). Called directly in a manifest, or through `call(Deferred(...))`, it would run
# the binary on the puppetserver and answer for the server: that fails the compilation. At compile
# time, use `gluster_vip::holder()`.
#
# The binary is, in order: `command` when given; the `command` the `gluster_vip` fact reports;
# the dispatcher `gluster_vip` in Puppet's `pluginfactdest` (where pluginsync puts it); the
# dispatcher in the module's own `facts.d` (under `puppet apply`).
#
# @example Decide at apply time with the settings of class gluster_vip
#   include gluster_vip
#   $holder = Deferred('gluster_vip::check', [$gluster_vip::check_flags])
#   file { '/etc/motd.d/gluster-vip':
#     ensure  => file,
#     content => Deferred('inline_epp', ['<%= $h ? { true => "VIP holder", default => "not the holder" } %>', { 'h' => $holder }]),
#   }
#
# @example Ask with whatever the node's config file says now
#   Deferred('gluster_vip::check')
Puppet::Functions.create_function(:'gluster_vip::check', Puppet::Functions::InternalFunction) do
  # An InternalFunction, for scope_param: the scope the call is made from (see refuse_compile_time).

  # @param flags
  #   Flags for `gluster-vip check`, such as `$gluster_vip::check_flags` or `['--vip=203.0.113.10']`.
  # @param command
  #   The absolute path of the gluster-vip binary or dispatcher to run.
  # @return [Boolean] true when `check` exits 0.
  dispatch :check do
    scope_param
    optional_param 'Array[String]', :flags
    optional_param 'Pattern[/\A\//]', :command
    return_type 'Boolean'
  end

  def check(scope, flags = [], command = nil)
    refuse_compile_time(scope)
    binary = command || find_binary(scope)
    unless binary
      Puppet.warning('gluster_vip::check: no gluster-vip binary found (no gluster_vip fact, no dispatcher in pluginfactdest or in the module); not the holder')
      return false
    end
    status, stderr = run_bounded([binary, 'check', *flags], 30)
    case status
    when 0
      true
    when 1
      Puppet.info("gluster_vip::check: not the holder: #{stderr.strip}")
      false
    else
      Puppet.warning("gluster_vip::check: #{binary} check failed (#{status.inspect}): #{stderr.strip}; not the holder")
      false
    end
  end

  # Runs argv and returns [exit status or a description, stderr]. Kills it after timeout seconds.
  def run_bounded(argv, timeout)
    Open3.popen3(*argv) do |stdin, stdout, stderr, wait|
      stdin.close
      out_reader = Thread.new { stdout.read }
      err_reader = Thread.new { stderr.read }
      unless wait.join(timeout)
        Process.kill('KILL', wait.pid)
        wait.join
        return ["killed after #{timeout}s", err_reader.value.to_s]
      end
      out_reader.join
      [wait.value.exitstatus || wait.value.to_s, err_reader.value.to_s]
    end
  rescue SystemCallError => e
    ["not run: #{e.message}", '']
  end

  # Deferred values are resolved with a Puppet::Parser::ScriptCompiler (Puppet 7's resolve_and_replace,
  # and Puppet 8's per-resource resolution with preprocess_deferred = false, alike); a catalog is
  # compiled by Puppet::Parser::Compiler, on the server or in `puppet apply` before the run.
  def refuse_compile_time(scope)
    compiler = scope.respond_to?(:compiler) ? scope.compiler : nil
    return if defined?(Puppet::Parser::ScriptCompiler) && compiler.is_a?(Puppet::Parser::ScriptCompiler)

    raise Puppet::ParseError, 'gluster_vip::check runs the gluster-vip binary, so it must run on the node that applies the catalog: ' \
                              "use it as Deferred('gluster_vip::check', [flags]). Called while the catalog is compiled (directly, or " \
                              "through call(Deferred(...))), it would ask the puppetserver's own network. At compile time, use gluster_vip::holder()"
  end

  def find_binary(scope)
    candidates = [fact_command(scope), File.join(Puppet[:pluginfactdest].to_s, 'gluster_vip')]
    candidates << File.join(module_path, 'facts.d', 'gluster_vip') if module_path
    candidates << File.expand_path('../../../../facts.d/gluster_vip', __dir__)
    candidates.compact.find { |path| path.start_with?('/') && File.file?(path) && File.executable?(path) }
  end

  def fact_command(scope)
    facts = scope['facts']
    facts.is_a?(Hash) && facts['gluster_vip'].is_a?(Hash) ? facts['gluster_vip']['command'] : nil
  rescue StandardError
    nil
  end

  def module_path
    environment = Puppet.lookup(:current_environment) { nil }
    mod = environment&.module('gluster_vip')
    mod&.path
  rescue StandardError
    nil
  end
end
