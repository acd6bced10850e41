# psych-tagged.rb: reads a JSON array of YAML documents on stdin, loads each
# the way GitLab does (Gitlab::Config::Loader::Yaml: YAML.safe_load with
# Symbol permitted, no permitted symbols, aliases on) and prints a JSON
# array with, for each, the loaded value with its Ruby classes kept
# ({"s": string}, {"h": [[key, value]...]}, {"a": [...]}, {"i": "integer"},
# {"f": "float"}, {"o": "Class value"})
# or {"error": "message"}.
require 'yaml'
require 'json'

def tag(v)
  case v
  when String then { 's' => v }
  when Hash then { 'h' => v.map { |k, x| [tag(k), tag(x)] } }
  when Array then { 'a' => v.map { |x| tag(x) } }
  when Integer then { 'i' => v.to_s }
  when Float then { 'f' => v.to_s }
  else { 'o' => "#{v.class} #{v.inspect}" }
  end
end

out = JSON.parse($stdin.read).map do |text|
  begin
    tag(YAML.safe_load(text, permitted_classes: [Symbol], permitted_symbols: [], aliases: true))
  rescue StandardError, Psych::Exception => e
    { 'error' => "#{e.class}: #{e.message}" }
  end
end
puts JSON.generate(out)
