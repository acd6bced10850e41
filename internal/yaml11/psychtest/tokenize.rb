# tokenize.rb: reads a JSON array of strings on stdin and prints, for each,
# what Psych's ScalarScanner#tokenize makes of it with the class loader of
# GitLab's YAML.safe_load(permitted_classes: [Symbol], permitted_symbols: []),
# as a JSON array of [kind, value] pairs.
require 'yaml'
require 'json'

loader = Psych::ClassLoader::Restricted.new(['Symbol'], [])
out = JSON.parse($stdin.read).map do |s|
  ss = Psych::ScalarScanner.new(loader)
  begin
    v = ss.tokenize(s)
    case v
    when String then ['string', v]
    when nil then ['null', nil]
    when true, false then ['boolean', v.to_s]
    when Integer then ['integer', v.to_s]
    when Float then ['float', v.nan? ? 'NaN' : v.to_s]
    when Symbol then ['symbol', v.to_s]
    else ['other', v.class.to_s]
    end
  rescue Psych::DisallowedClass => e
    [e.message.include?('Date') ? 'date' : 'timestamp', e.message]
  rescue ArgumentError => e
    ['invalid', e.message]
  end
end
puts JSON.generate(out)
