# frozen_string_literal: true

# Test-speed shim, on RUBYLIB for the cluster suite's `puppet apply` runs only.
#
# Facter resolves its `augeas` fact by loading ruby-augeas and every Augeas lens, which is about
# 1 s of CPU per run: a third of Facter's time, on a 2-core machine that runs three applies at
# once. Nothing in the suite uses Augeas, so this file makes `require 'augeas'` fail; Facter then
# leaves the fact out, as on a node without ruby-augeas. Set GC_FACTER_SHIM=0 to run without it.
raise LoadError, 'augeas: disabled for the cluster suite (spec/cluster/rubylib/augeas.rb)'
