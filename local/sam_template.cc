#include "local/sam_template.h"

#include <yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <memory>
#include <set>

#include "base/strings.h"

namespace raincheck::local {

namespace {

// A YAML node. Short-form tags (!Ref X) become a one-key mapping {"Ref": X}, {"Fn::Sub": ...},
// as CloudFormation reads them, so the long and short forms are handled alike.
struct Node {
  enum class Kind { kNull, kScalar, kSequence, kMapping };
  Kind kind = Kind::kNull;
  std::string scalar;
  std::vector<Node> items;
  // A mapping's key and value. Not a std::pair<std::string, Node>, which needs Node complete
  // where the class declares it (libstdc++ with clang refuses it).
  struct Entry;
  std::vector<Entry> entries;

  const Node* Get(std::string_view key) const;
  bool IsScalar() const { return kind == Kind::kScalar; }
  bool IsMapping() const { return kind == Kind::kMapping; }
  bool IsSequence() const { return kind == Kind::kSequence; }
};

struct Node::Entry {
  Entry(std::string key, Node value) : first(std::move(key)), second(std::move(value)) {}
  std::string first;
  Node second;
};

const Node* Node::Get(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string LongFormOf(std::string_view tag) {
  // "!Ref" -> "Ref", "!Condition" -> "Condition", "!Sub" -> "Fn::Sub".
  const std::string_view name = tag.substr(1);
  if (name == "Ref" || name == "Condition") return std::string(name);
  return "Fn::" + std::string(name);
}

class YamlReader {
 public:
  explicit YamlReader(std::string_view text) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
  }
  ~YamlReader() {
    if (have_event_) yaml_event_delete(&event_);  // the event an error or the end left current
    yaml_parser_delete(&parser_);
  }
  YamlReader(const YamlReader&) = delete;
  YamlReader& operator=(const YamlReader&) = delete;

  Result<Node> ReadDocument() {
    // STREAM-START, DOCUMENT-START, the root node, DOCUMENT-END.
    RC_RETURN_IF_ERROR(Next());
    if (event_.type != YAML_STREAM_START_EVENT) return Malformed();
    RC_RETURN_IF_ERROR(Next());
    if (event_.type == YAML_STREAM_END_EVENT)
      return Status::InvalidArgument("the template is empty");
    if (event_.type != YAML_DOCUMENT_START_EVENT) return Malformed();
    RC_RETURN_IF_ERROR(Next());
    return ReadNode(0);
  }

 private:
  Status Next() {
    if (have_event_) yaml_event_delete(&event_);
    have_event_ = false;
    if (!yaml_parser_parse(&parser_, &event_)) {
      std::string problem = parser_.problem != nullptr ? parser_.problem : "malformed YAML";
      return Status::InvalidArgument("the template is not valid YAML: " + problem + " (line " +
                                     std::to_string(parser_.problem_mark.line + 1) + ")");
    }
    have_event_ = true;
    return Status::Ok();
  }

  Status Malformed() const {
    return Status::InvalidArgument("the template is not valid YAML (line " +
                                   std::to_string(event_.start_mark.line + 1) + ")");
  }

  static std::string Text(const yaml_char_t* p) {
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
  }

  // Reads the node whose first event is the current one; leaves the current event after it.
  Result<Node> ReadNode(int depth) {
    if (depth > 64) return Status::InvalidArgument("the template nests too deeply");
    Node node;
    std::string tag;
    std::string anchor;
    switch (event_.type) {
      case YAML_ALIAS_EVENT: {
        auto it = anchors_.find(Text(event_.data.alias.anchor));
        if (it == anchors_.end()) return Malformed();
        node = it->second;
        RC_RETURN_IF_ERROR(Next());
        return node;
      }
      case YAML_SCALAR_EVENT: {
        tag = Text(event_.data.scalar.tag);
        anchor = Text(event_.data.scalar.anchor);
        node.kind = Node::Kind::kScalar;
        node.scalar.assign(reinterpret_cast<const char*>(event_.data.scalar.value),
                           event_.data.scalar.length);
        const bool plain = event_.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (plain && tag.empty() &&
            (node.scalar.empty() || node.scalar == "~" || node.scalar == "null" ||
             node.scalar == "Null")) {
          node.kind = Node::Kind::kNull;
        }
        RC_RETURN_IF_ERROR(Next());
        break;
      }
      case YAML_SEQUENCE_START_EVENT: {
        tag = Text(event_.data.sequence_start.tag);
        anchor = Text(event_.data.sequence_start.anchor);
        node.kind = Node::Kind::kSequence;
        RC_RETURN_IF_ERROR(Next());
        while (event_.type != YAML_SEQUENCE_END_EVENT) {
          RC_ASSIGN_OR_RETURN(Node item, ReadNode(depth + 1));
          node.items.push_back(std::move(item));
        }
        RC_RETURN_IF_ERROR(Next());
        break;
      }
      case YAML_MAPPING_START_EVENT: {
        tag = Text(event_.data.mapping_start.tag);
        anchor = Text(event_.data.mapping_start.anchor);
        node.kind = Node::Kind::kMapping;
        RC_RETURN_IF_ERROR(Next());
        while (event_.type != YAML_MAPPING_END_EVENT) {
          RC_ASSIGN_OR_RETURN(Node key, ReadNode(depth + 1));
          if (!key.IsScalar() && key.kind != Node::Kind::kNull) {
            return Status::InvalidArgument("the template has a mapping key that is not a string");
          }
          RC_ASSIGN_OR_RETURN(Node value, ReadNode(depth + 1));
          node.entries.emplace_back(std::move(key.scalar), std::move(value));
        }
        RC_RETURN_IF_ERROR(Next());
        break;
      }
      default:
        return Malformed();
    }
    // A CloudFormation short form ("!Sub", never YAML's own "tag:yaml.org,2002:...").
    if (tag.size() > 1 && tag[0] == '!' && tag[1] != '!') {
      Node wrapped;
      wrapped.kind = Node::Kind::kMapping;
      if (node.kind == Node::Kind::kNull) node.kind = Node::Kind::kScalar;
      wrapped.entries.emplace_back(LongFormOf(tag), std::move(node));
      node = std::move(wrapped);
    }
    if (!anchor.empty()) anchors_[anchor] = node;
    return node;
  }

  yaml_parser_t parser_;
  yaml_event_t event_{};
  bool have_event_ = false;
  std::map<std::string, Node> anchors_;
};

// --- Intrinsic functions -------------------------------------------------------------------

// A resolved value: text, or a list (for !Join / !Select / !Split), or "no value".
struct Value {
  enum class Kind { kText, kList, kNoValue };
  Kind kind = Kind::kText;
  std::string text;
  std::vector<std::string> list;
};

class Resolver {
 public:
  Resolver(const Node& root, const SamResolveOptions& options) : root_(root), options_(options) {
    if (const Node* params = root.Get("Parameters"); params != nullptr && params->IsMapping()) {
      for (const auto& [name, def] : params->entries) {
        const Node* d = def.Get("Default");
        if (d != nullptr && (d->IsScalar() || d->kind == Node::Kind::kNull)) {
          parameters_[name] = d->scalar;
        } else if (d != nullptr && d->IsSequence()) {
          std::vector<std::string> parts;
          for (const Node& item : d->items) parts.push_back(item.scalar);
          parameters_[name] = base::Join(parts, ",");
        }
      }
    }
    for (const auto& [name, value] : options.parameter_overrides) parameters_[name] = value;
  }

  // NotFound when the value needs the deployed stack.
  Result<Value> Resolve(const Node& node, int depth = 0) {
    if (depth > 32) return Status::NotFound("nested too deeply");
    if (node.kind == Node::Kind::kNull) return Value{};
    if (node.IsScalar()) return Value{Value::Kind::kText, node.scalar, {}};
    if (node.IsSequence()) {
      Value v;
      v.kind = Value::Kind::kList;
      for (const Node& item : node.items) {
        RC_ASSIGN_OR_RETURN(Value part, Resolve(item, depth + 1));
        if (part.kind == Value::Kind::kNoValue) continue;
        v.list.push_back(part.text);
      }
      return v;
    }
    if (node.entries.size() != 1) return Status::NotFound("a mapping");
    const auto& [fn, arg] = node.entries.front();
    if (fn == "Ref") return Ref(arg.scalar);
    if (fn == "Fn::Sub") return Sub(arg, depth);
    if (fn == "Fn::If") {
      if (!arg.IsSequence() || arg.items.size() != 3) return Status::NotFound("a malformed !If");
      RC_ASSIGN_OR_RETURN(bool cond, Condition(arg.items[0].scalar, depth + 1));
      return Resolve(arg.items[cond ? 1 : 2], depth + 1);
    }
    if (fn == "Fn::Join") {
      if (!arg.IsSequence() || arg.items.size() != 2) return Status::NotFound("a malformed !Join");
      RC_ASSIGN_OR_RETURN(Value list, Resolve(arg.items[1], depth + 1));
      return Value{Value::Kind::kText, base::Join(list.list, arg.items[0].scalar), {}};
    }
    if (fn == "Fn::Select") {
      if (!arg.IsSequence() || arg.items.size() != 2)
        return Status::NotFound("a malformed !Select");
      RC_ASSIGN_OR_RETURN(Value index, Resolve(arg.items[0], depth + 1));
      RC_ASSIGN_OR_RETURN(Value list, Resolve(arg.items[1], depth + 1));
      size_t i = 0;
      const auto [p, ec] =
          std::from_chars(index.text.data(), index.text.data() + index.text.size(), i);
      if (ec != std::errc() || p != index.text.data() + index.text.size() ||
          i >= list.list.size()) {
        return Status::NotFound("a malformed !Select");
      }
      return Value{Value::Kind::kText, list.list[i], {}};
    }
    // !GetAtt, !ImportValue, !FindInMap, !GetAZs, ...: the deployed stack's.
    return Status::NotFound(fn);
  }

  Result<bool> Condition(const std::string& name, int depth) {
    const Node* conditions = root_.Get("Conditions");
    const Node* c = conditions != nullptr ? conditions->Get(name) : nullptr;
    if (c == nullptr) return Status::NotFound("condition " + name);
    return Evaluate(*c, depth + 1);
  }

 private:
  Result<Value> Ref(const std::string& name) {
    if (name == "AWS::NoValue") return Value{Value::Kind::kNoValue, "", {}};
    if (name == "AWS::Region") return Text(options_.region);
    if (name == "AWS::AccountId") return Text(options_.account_id);
    if (name == "AWS::StackName") return Text(options_.stack_name);
    if (name == "AWS::Partition") return Text("aws");
    if (name == "AWS::URLSuffix") return Text("amazonaws.com");
    if (auto it = parameters_.find(name); it != parameters_.end()) return Text(it->second);
    return Status::NotFound("!Ref " + name);
  }

  static Value Text(std::string s) { return Value{Value::Kind::kText, std::move(s), {}}; }

  Result<Value> Sub(const Node& arg, int depth) {
    std::string pattern;
    std::map<std::string, std::string> vars;
    if (arg.IsScalar()) {
      pattern = arg.scalar;
    } else if (arg.IsSequence() && arg.items.size() == 2 && arg.items[0].IsScalar()) {
      pattern = arg.items[0].scalar;
      for (const auto& [k, v] : arg.items[1].entries) {
        RC_ASSIGN_OR_RETURN(Value value, Resolve(v, depth + 1));
        vars[k] = value.text;
      }
    } else {
      return Status::NotFound("a malformed !Sub");
    }
    std::string out;
    for (size_t i = 0; i < pattern.size();) {
      if (pattern.compare(i, 3, "${!") == 0) {  // ${!Literal} -> ${Literal}
        out += "${";
        i += 3;
        continue;
      }
      if (pattern.compare(i, 2, "${") != 0) {
        out += pattern[i++];
        continue;
      }
      const size_t end = pattern.find('}', i);
      if (end == std::string::npos) return Status::NotFound("a malformed !Sub");
      const std::string name = pattern.substr(i + 2, end - i - 2);
      if (auto it = vars.find(name); it != vars.end()) {
        out += it->second;
      } else {
        if (name.find('.') != std::string::npos) return Status::NotFound("!GetAtt " + name);
        RC_ASSIGN_OR_RETURN(Value v, Ref(name));
        out += v.text;
      }
      i = end + 1;
    }
    return Text(std::move(out));
  }

  Result<bool> Evaluate(const Node& node, int depth) {
    if (depth > 32 || node.entries.size() != 1) return Status::NotFound("a condition");
    const auto& [fn, arg] = node.entries.front();
    if (fn == "Condition") return Condition(arg.scalar, depth + 1);
    if (fn == "Fn::Equals") {
      if (!arg.IsSequence() || arg.items.size() != 2) return Status::NotFound("!Equals");
      RC_ASSIGN_OR_RETURN(Value a, Resolve(arg.items[0], depth + 1));
      RC_ASSIGN_OR_RETURN(Value b, Resolve(arg.items[1], depth + 1));
      return a.text == b.text;
    }
    if (!arg.IsSequence() || arg.items.empty()) return Status::NotFound(fn);
    std::vector<bool> values;
    for (const Node& item : arg.items) {
      RC_ASSIGN_OR_RETURN(bool v, Evaluate(item, depth + 1));
      values.push_back(v);
    }
    if (fn == "Fn::Not" && values.size() == 1) return !values[0];
    if (fn == "Fn::And") return std::all_of(values.begin(), values.end(), [](bool v) { return v; });
    if (fn == "Fn::Or") return std::any_of(values.begin(), values.end(), [](bool v) { return v; });
    return Status::NotFound(fn);
  }

  const Node& root_;
  const SamResolveOptions& options_;
  std::map<std::string, std::string> parameters_;
};

// --- The function's properties -------------------------------------------------------------

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

Status ReadInt(Resolver& resolver, const Node* node, const char* what, std::optional<int>* out) {
  if (node == nullptr) return Status::Ok();
  Result<Value> v = resolver.Resolve(*node);
  if (!v.ok()) return Status::InvalidArgument(std::string(what) + " cannot be resolved locally");
  int n = 0;
  const std::string& t = v->text;
  const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
  if (ec != std::errc() || p != t.data() + t.size() || n <= 0) {
    return Status::InvalidArgument(std::string(what) + " must be a positive whole number");
  }
  *out = n;
  return Status::Ok();
}

// Applies one Properties (or Globals.Function) mapping to `f`.
Status ApplyProperties(const Node& props, Resolver& resolver, SamFunction* f) {
  RC_RETURN_IF_ERROR(ReadInt(resolver, props.Get("Timeout"), "Timeout", &f->timeout_s));
  RC_RETURN_IF_ERROR(ReadInt(resolver, props.Get("MemorySize"), "MemorySize", &f->memory_mb));
  if (const Node* arch = props.Get("Architectures"); arch != nullptr) {
    Result<Value> v = resolver.Resolve(*arch);
    if (v.ok() && v->kind == Value::Kind::kList && v->list.size() == 1) {
      f->architecture = v->list.front();
    } else if (v.ok() && v->kind == Value::Kind::kText && !v->text.empty()) {
      f->architecture = v->text;
    }
  }
  const Node* env = props.Get("Environment");
  const Node* vars = env != nullptr ? env->Get("Variables") : nullptr;
  if (vars == nullptr) return Status::Ok();
  if (!vars->IsMapping()) return Status::InvalidArgument("Environment.Variables must be a mapping");
  for (const auto& entry : vars->entries) {
    // Not a structured binding: clang 14 cannot capture one in the lambda below.
    const std::string& name = entry.first;
    const Node& node = entry.second;
    std::erase_if(f->environment, [&](const auto& e) { return e.first == name; });
    std::erase(f->unresolved, name);
    Result<Value> v = resolver.Resolve(node);
    if (!v.ok()) {
      f->unresolved.push_back(name);
    } else if (v->kind == Value::Kind::kText) {
      f->environment.emplace_back(name, v->text);
    } else if (v->kind == Value::Kind::kList) {
      f->environment.emplace_back(name, base::Join(v->list, ","));
    }
  }
  return Status::Ok();
}

Status ReadRoutes(const Node& props, SamFunction* f) {
  const Node* events = props.Get("Events");
  if (events == nullptr || !events->IsMapping()) return Status::Ok();
  for (const auto& [name, event] : events->entries) {
    const Node* type = event.Get("Type");
    if (type == nullptr || !type->IsScalar()) continue;
    const bool http_api = type->scalar == "HttpApi";
    if (!http_api && type->scalar != "Api") continue;
    SamRoute route;
    route.event = name;
    route.payload_format = http_api ? "2.0" : "1.0";
    const Node* p = event.Get("Properties");
    const Node* path = p != nullptr ? p->Get("Path") : nullptr;
    const Node* method = p != nullptr ? p->Get("Method") : nullptr;
    if (path != nullptr && path->IsScalar()) route.path = path->scalar;
    route.method = method != nullptr && method->IsScalar() ? Upper(method->scalar) : "";
    if (const Node* v = p != nullptr ? p->Get("PayloadFormatVersion") : nullptr;
        v != nullptr && v->IsScalar() && http_api) {
      route.payload_format = v->scalar;
    }
    if (route.payload_format != "1.0" && route.payload_format != "2.0") {
      return Status::InvalidArgument("event " + name + ": PayloadFormatVersion must be 1.0 or 2.0");
    }
    if (route.path.empty() != route.method.empty() || (!http_api && route.path.empty())) {
      return Status::InvalidArgument("event " + name + " needs both Path and Method");
    }
    if (!route.path.empty() && route.path.front() != '/') {
      return Status::InvalidArgument("event " + name + ": Path must start with /");
    }
    f->routes.push_back(std::move(route));
  }
  return Status::Ok();
}

}  // namespace

std::string SamRoute::RouteKey() const {
  if (path.empty()) return "$default";
  return method + " " + path;
}

Result<SamTemplate> ParseSamTemplate(std::string_view text, const SamResolveOptions& options) {
  YamlReader reader(text);
  RC_ASSIGN_OR_RETURN(Node root, reader.ReadDocument());
  if (!root.IsMapping()) return Status::InvalidArgument("the template is not a mapping");
  const Node* resources = root.Get("Resources");
  if (resources == nullptr || !resources->IsMapping()) {
    return Status::InvalidArgument("the template has no Resources");
  }
  Resolver resolver(root, options);
  const Node* globals = root.Get("Globals");
  const Node* global_function = globals != nullptr ? globals->Get("Function") : nullptr;

  SamTemplate out;
  for (const auto& [id, resource] : resources->entries) {
    const Node* type = resource.Get("Type");
    if (type == nullptr || !type->IsScalar()) continue;
    const bool serverless = type->scalar == "AWS::Serverless::Function";
    if (!serverless && type->scalar != "AWS::Lambda::Function") continue;
    SamFunction f;
    f.logical_id = id;
    if (serverless && global_function != nullptr && global_function->IsMapping()) {
      RC_RETURN_IF_ERROR(ApplyProperties(*global_function, resolver, &f).WithContext("Globals"));
    }
    if (const Node* props = resource.Get("Properties"); props != nullptr && props->IsMapping()) {
      RC_RETURN_IF_ERROR(ApplyProperties(*props, resolver, &f).WithContext(id));
      if (serverless) RC_RETURN_IF_ERROR(ReadRoutes(*props, &f).WithContext(id));
    }
    out.functions.push_back(std::move(f));
  }
  if (out.functions.empty()) return Status::InvalidArgument("the template defines no function");
  return out;
}

Result<const SamFunction*> SelectFunction(const SamTemplate& tmpl, const std::string& logical_id) {
  std::vector<std::string> ids;
  for (const SamFunction& f : tmpl.functions) {
    if (f.logical_id == logical_id) return &f;
    ids.push_back(f.logical_id);
  }
  if (logical_id.empty() && tmpl.functions.size() == 1) return &tmpl.functions.front();
  if (logical_id.empty()) {
    return Status::InvalidArgument("the template defines several functions (" +
                                   base::Join(ids, ", ") + "): name one");
  }
  return Status::NotFound("the template has no function " + logical_id + " (it has " +
                          base::Join(ids, ", ") + ")");
}

bool RoutePathMatches(std::string_view route_path, std::string_view path) {
  size_t r = 0;
  size_t p = 0;
  while (r < route_path.size() && p < path.size()) {
    if (route_path[r] == '{') {
      const size_t close = route_path.find('}', r);
      if (close == std::string_view::npos) return false;
      if (route_path[close - 1] == '+') return close + 1 == route_path.size() && path[p] != '/';
      const size_t next = path.find('/', p);
      const size_t seg_end = next == std::string_view::npos ? path.size() : next;
      if (seg_end == p) return false;  // an empty segment
      p = seg_end;
      r = close + 1;
      continue;
    }
    if (route_path[r] != path[p]) return false;
    ++r;
    ++p;
  }
  return r == route_path.size() && p == path.size();
}

}  // namespace raincheck::local
