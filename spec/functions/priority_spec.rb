# frozen_string_literal: true

require 'spec_helper'

describe 'gluster_vip::priority' do
  it { is_expected.to run.with_params(['n3', 'n1', 'n2'], 'n1').and_return(200) }
  it { is_expected.to run.with_params(['n3', 'n1', 'n2'], 'n2').and_return(190) }
  it { is_expected.to run.with_params(['n3', 'n1', 'n2'], 'n3').and_return(180) }
  it('does not depend on the order of the list') { is_expected.to run.with_params(['n2', 'n3', 'n1'], 'n3').and_return(180) }
  it { is_expected.to run.with_params(['198.51.100.2', '198.51.100.1'], '198.51.100.1').and_return(200) }
  it { is_expected.to run.with_params(['a', 'b', 'c'], 'c', 100, 1).and_return(98) }
  it { is_expected.to run.with_params(['solo'], 'solo').and_return(200) }
  it { is_expected.to run.with_params(['n1', 'n2'], 'n9').and_raise_error(%r{node 'n9' is not in nodes \[n1, n2\]}) }
  it { is_expected.to run.with_params(['n1', 'n1'], 'n1').and_raise_error(%r{more than once}) }
  it { is_expected.to run.with_params(['a', 'b', 'c'], 'a', 20, 10).and_raise_error(%r{3 nodes do not fit below base 20 with step 10}) }
  it { is_expected.to run.with_params([], 'n1').and_raise_error(%r{expects}) }

  it 'gives every node of a large cluster its own priority' do
    nodes = (1..19).map { |i| "node#{i}" }
    priorities = nodes.map { |n| subject.execute(nodes, n) }
    expect(priorities.uniq.size).to eq(19)
    expect(priorities.min).to be >= 1
  end
end
